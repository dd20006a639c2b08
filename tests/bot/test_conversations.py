import threading

from bot.conversations import ConversationStore, is_conversation_id


class FakeClock:
    """A settable clock: expiry is about elapsed time, which the test controls without sleeping."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


SLOTS = {"product": "いちご", "country": "台湾"}


def test_new_conversation_gets_uuid_hex_and_keeps_turns_with_slots():
    store = ConversationStore()
    cid = store.open(None)
    assert is_conversation_id(cid)
    answer_id = store.add_exchange(cid, "いちごを台湾に輸出できますか", "できます[1]", SLOTS)
    assert store.open(cid) == cid
    user, assistant = store.turns(cid)
    assert (user.role, user.text) == ("user", "いちごを台湾に輸出できますか")
    assert (assistant.role, assistant.slots) == ("assistant", SLOTS)
    record = store.find_answer(answer_id)
    assert (record.question, record.answer_text, record.conversation_id) == ("いちごを台湾に輸出できますか", "できます[1]", cid)


def test_unknown_or_malformed_ids_start_a_new_conversation():
    store = ConversationStore()
    chosen = "0" * 32
    assert store.open(chosen) != chosen
    assert store.open("not-an-id") != "not-an-id"
    assert store.turns(chosen) == []
    assert not is_conversation_id("../etc") and not is_conversation_id(None)


def test_conversations_expire_after_ttl():
    clock = FakeClock()
    store = ConversationStore(ttl_seconds=60, clock=clock)
    cid = store.open(None)
    answer_id = store.add_exchange(cid, "q", "a", {})
    clock.now += 59
    assert store.open(cid) == cid  # using it refreshes it
    clock.now += 59
    assert len(store.turns(cid)) == 2
    clock.now += 61
    assert store.turns(cid) == []
    assert store.find_answer(answer_id) is None
    assert store.add_exchange(cid, "q", "a", {}) is None
    assert store.open(cid) != cid
    assert len(store) == 1


def test_store_is_bounded_and_evicts_least_recently_used():
    store = ConversationStore(max_conversations=3)
    a, b, c = (store.open(None) for _ in range(3))
    store.open(a)  # a is now the most recently used
    d = store.open(None)
    assert len(store) == 3
    assert store.open(b) != b  # b was the least recently used: evicted
    assert store.open(a) == a and store.open(d) == d


def test_turns_per_conversation_are_bounded():
    store = ConversationStore(max_turns=4)
    cid = store.open(None)
    ids = [store.add_exchange(cid, f"q{i}", f"a{i}", {}) for i in range(5)]
    assert [t.text for t in store.turns(cid)] == ["q3", "a3", "q4", "a4"]
    assert store.find_answer(ids[-1]) is not None
    assert store.find_answer(ids[0]) is None


def test_internal_history_never_continues_in_a_public_session():
    store = ConversationStore()
    internal = store.open(None, audience="internal")
    store.add_exchange(internal, "q", "内部限定の回答", {})
    public = store.open(internal, audience="public")
    assert public != internal
    assert store.turns(public) == []
    assert store.open(internal, audience="internal") == internal


def test_concurrent_use_keeps_every_exchange():
    store = ConversationStore()
    cid = store.open(None)
    store_big = ConversationStore(max_turns=1000)
    cid_big = store_big.open(None)

    def work(n):
        for i in range(50):
            store_big.add_exchange(cid_big, f"q{n}-{i}", "a", {})
            store.open(None)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store_big.turns(cid_big)) == 800
    assert len(store) == 401
    assert store.turns(cid) == []
