/* Export-support assistant chat widget: one <script> tag adds a launcher button and a chat panel.
 *
 *   <script src="https://HOST/widget.js" data-api="https://HOST" data-title="..." defer></script>
 *
 * Everything lives in a Shadow DOM so the host page's CSS cannot reach in and ours cannot leak out.
 * Vanilla JS, no build step, no external requests except to data-api. The UI strings are filled in by
 * the server from bot/texts.py (the marker below), so the Japanese wording is reviewed in one place.
 */
(function () {
  "use strict";

  var TEXTS = /*@WIDGET_TEXTS@*/{};
  // the server's own limits (bot/settings.py), filled in like the texts: the widget holds no copy that could drift
  var CONFIG = /*@WIDGET_CONFIG@*/{};
  // currentScript is null when a tag manager loads us oddly; then find our own tag by its file name
  var script = document.currentScript || document.querySelector("script[src$='/widget.js'][data-api]");
  if (!script || window.__exportAssistantWidget) return; // one widget per page, even if pasted twice
  window.__exportAssistantWidget = true;

  var scriptOrigin = new URL(script.src, location.href).origin;
  var API = (script.getAttribute("data-api") || scriptOrigin).replace(/\/+$/, "");
  var TITLE = script.getAttribute("data-title") || TEXTS.title;
  var CONSULT_DOC = script.getAttribute("data-consult-doc") || "contact-export-consultation";
  var MAX_CHARS = CONFIG.max_question_chars;
  // the server forgets a conversation after this long; so does the widget, and it clears what it shows with it
  var IDLE_MS = CONFIG.conversation_ttl_seconds * 1000;

  var PHONE = "(max-width: 480px)"; // where the panel is full-screen (CSS) and therefore modal (trapTab)
  var CSS = [
    ":host { all: initial !important; position: static !important; display: block !important; }",
    ".root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; font-family: 'Noto Sans CJK JP',",
    "  'Hiragino Sans', 'Yu Gothic UI', 'Meiryo', system-ui, sans-serif; font-size: 16px; line-height: 1.6;",
    "  color: #1a1a1a; text-align: left; letter-spacing: normal; }",
    ".root *, .root *::before, .root *::after { box-sizing: border-box; }",
    "button, textarea { font: inherit; color: inherit; letter-spacing: normal; }",
    ".launcher { display: inline-flex; align-items: center; gap: 8px; border: 0; border-radius: 999px;",
    "  padding: 12px 20px; background: #0b5394; color: #fff; font-weight: bold; cursor: pointer;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.3); }",
    ".launcher:hover { background: #083d6e; }",
    ".launcher[hidden] { display: none; }",
    ":focus-visible { outline: 3px solid #e0a800; outline-offset: 2px; }",
    ".panel { position: fixed; right: 20px; bottom: 20px; width: 390px; max-width: calc(100vw - 40px);",
    "  height: 620px; max-height: calc(100vh - 40px); display: flex; flex-direction: column; background: #fff;",
    "  border: 1px solid #9aa9b9; border-radius: 12px; box-shadow: 0 10px 40px rgba(0,0,0,.35); overflow: hidden; }",
    ".panel[hidden] { display: none; }",
    "header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; background: #0b5394; color: #fff; }",
    "header h2 { flex: 1; margin: 0; font-size: 17px; line-height: 1.3; color: #fff; font-weight: bold; }",
    "header button { border: 1px solid rgba(255,255,255,.7); background: transparent; color: #fff; border-radius: 6px;",
    "  padding: 4px 10px; cursor: pointer; font-size: 14px; }",
    "header .close { font-size: 20px; line-height: 1; padding: 4px 10px; }",
    ".log { position: relative; flex: 1; overflow-y: auto; padding: 12px; background: #f6f8fb; }",
    ".msg { margin: 0 0 12px; padding: 10px 12px; border-radius: 10px; max-width: 92%; overflow-wrap: anywhere; }",
    ".msg.user { margin-left: auto; background: #dce8f7; }",
    ".msg.bot { background: #fff; border: 1px solid #cfd8e3; }",
    ".who { display: block; font-size: 12px; color: #3f4a56; margin-bottom: 2px; }",
    ".text { white-space: pre-wrap; margin: 0; }",
    ".partial { border-left: 3px solid #b26a00; padding-left: 8px; }",
    ".status { color: #3f4a56; font-size: 14px; }",
    ".notice { color: #7a4b00; background: #fff6e0; font-size: 13px; margin: 0 0 6px; padding: 4px 6px; border-radius: 4px; }",
    ".examples { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }",
    ".examples button, .options button { width: 100%; text-align: left; border: 1px solid #0b5394; background: #fff;",
    "  color: #0b4f8a; border-radius: 8px; padding: 8px 10px; cursor: pointer; font-size: 15px; }",
    ".examples button:hover, .options button:hover { background: #eaf1fa; }",
    ".options { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }",
    ".options button { width: auto; }",
    "a { color: #0b4f8a; }",
    "sup a { text-decoration: none; font-weight: bold; }",
    ".sources { margin: 10px 0 0; padding: 8px 0 0; border-top: 1px solid #dde3ea; font-size: 14px; }",
    ".sources h3 { margin: 0 0 4px; font-size: 14px; }",
    ".sources ol { margin: 0; padding-left: 1.4em; }",
    ".asof, .disclaimer { margin: 8px 0 0; font-size: 13px; color: #3f4a56; }",
    ".disclaimer { background: #fff8e1; border-left: 4px solid #b07d00; padding: 6px 8px; color: #4a3b00; white-space: pre-line; }",
    ".feedback { display: flex; align-items: center; gap: 6px; margin-top: 8px; font-size: 13px; color: #3f4a56; }",
    ".feedback button { border: 1px solid #9aa9b9; background: #fff; border-radius: 6px; padding: 2px 10px;",
    "  cursor: pointer; font-size: 13px; color: #1a1a1a; }",
    ".feedback button[aria-pressed='true'] { background: #dce8f7; border-color: #0b5394; }",
    ".feedback button:disabled { cursor: default; }",
    ".error { margin: 0 12px 8px; padding: 8px 10px; border-radius: 8px; background: #fdecea; color: #8a1c12;",
    "  border: 1px solid #e5a39c; font-size: 14px; }",
    ".error:empty { display: none; }",
    "form { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #dde3ea; background: #fff; }",
    ".field { flex: 1; display: flex; flex-direction: column; min-width: 0; }",
    ".counter { margin: 2px 0 0; font-size: 12px; text-align: right; color: #3f4a56; }",
    ".counter.full { color: #8a1c12; font-weight: bold; }",
    "textarea { width: 100%; min-height: 44px; max-height: 120px; resize: vertical; border: 1px solid #6b7a8a;",
    "  border-radius: 8px; padding: 8px 10px; font-size: 16px; background: #fff; color: #1a1a1a; }",
    ".send { border: 0; border-radius: 8px; padding: 0 16px; background: #0b5394; color: #fff; font-weight: bold;",
    "  cursor: pointer; min-width: 64px; }",
    ".send:disabled { background: #5d7690; cursor: progress; }",
    "footer { padding: 6px 12px 10px; background: #fff; font-size: 13px; color: #3f4a56; }",
    "footer a { font-weight: bold; }",
    "footer p { margin: 2px 0 0; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;",
    "  clip: rect(0,0,0,0); white-space: nowrap; border: 0; }",
    "@media " + PHONE + " {",
    "  .root { right: 12px; bottom: 12px; }",
    "  .panel { right: 0; bottom: 0; top: 0; left: 0; width: 100vw; max-width: 100vw; height: 100vh; height: 100dvh;",
    "    max-height: none; border-radius: 0; border: 0; }",
    "}"
  ].join("\n");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        if (name === "text") node.textContent = attrs[name];
        else if (name === "hidden") node.hidden = !!attrs[name];
        else node.setAttribute(name, attrs[name]);
      });
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  // drawn, not an emoji: machines without an emoji font would show a blank box
  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "22");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
    svg.appendChild(path);
    return svg;
  }

  function sourceUrl(path) {
    // only our own relative source links become links; anything else is dropped rather than trusted
    return typeof path === "string" && path.charAt(0) === "/" && path.charAt(1) !== "/" ? API + path : null;
  }

  // The conversation lives in this page only: after a reload the history is gone from the screen, so the id
  // that would make the server read follow-ups against it must be gone too (what is shown and sent agree).
  var conversationId = null;
  var lastAnswerAt = 0;
  function getConversation() { return conversationId; }
  function setConversation(id) {
    conversationId = id || null;
    lastAnswerAt = Date.now();
  }

  // --- DOM ---
  var host = document.createElement("export-assistant-widget");
  var shadow = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.appendChild(el("style", { text: CSS }));
  }

  var launcher = el("button", {
    type: "button", "class": "launcher", "aria-haspopup": "dialog", "aria-expanded": "false",
    "aria-controls": "ea-panel", "aria-label": TEXTS.open
  }, [chatIcon(), el("span", { text: TITLE })]);

  var closeButton = el("button", { type: "button", "class": "close", "aria-label": TEXTS.close, text: "\u00D7" });
  var newButton = el("button", { type: "button", "class": "new", text: TEXTS.new_conversation });
  var log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": TITLE, tabindex: "0" });
  var errorBox = el("div", { "class": "error", role: "alert" });
  var input = el("textarea", { id: "ea-input", rows: "2", placeholder: TEXTS.placeholder,
    maxlength: String(MAX_CHARS), "aria-describedby": "ea-counter" });
  var counter = el("p", { id: "ea-counter", "class": "counter" });
  var sendButton = el("button", { type: "submit", "class": "send", text: TEXTS.send });
  var form = el("form", { "aria-label": TEXTS.input_label }, [
    el("label", { "for": "ea-input", "class": "sr-only", text: TEXTS.input_label }),
    el("div", { "class": "field" }, [input, counter]), sendButton
  ]);
  var consultLink = el("a", { href: sourceUrl("/sources/" + encodeURIComponent(CONSULT_DOC)), target: "_blank",
    rel: "noopener", text: TEXTS.consult });
  consultLink.appendChild(el("span", { "class": "sr-only", text: TEXTS.opens_new_tab }));
  var footer = el("footer", null, [consultLink, el("p", { text: TEXTS.footer })]);
  var panel = el("section", { id: "ea-panel", "class": "panel", role: "dialog", "aria-labelledby": "ea-title", hidden: true }, [
    el("header", null, [el("h2", { id: "ea-title", text: TITLE }), newButton, closeButton]),
    log, errorBox, form, footer
  ]);
  var root = el("div", { "class": "root", lang: "ja" }, [launcher, panel]);
  shadow.appendChild(root);

  var busy = false;

  function greet() {
    var list = el("ul", { "class": "examples" });
    (TEXTS.examples || []).forEach(function (question) {
      var button = el("button", { type: "button", text: question });
      button.addEventListener("click", function () { ask(question); });
      list.appendChild(el("li", null, [button]));
    });
    log.appendChild(el("div", { "class": "msg bot greeting" }, [
      el("p", { "class": "text", text: TEXTS.greeting }),
      el("p", { "class": "text", text: TEXTS.examples_lead }),
      list
    ]));
  }

  function updateCounter() {
    var count = input.value.length;
    counter.textContent = TEXTS.counter.replace("{count}", count).replace("{limit}", MAX_CHARS);
    counter.className = count >= MAX_CHARS ? "counter full" : "counter";
  }

  function startOver() {
    setConversation(null);
    log.textContent = "";
    showError("");
    greet();
  }

  function isFullScreen() {
    return window.matchMedia(PHONE).matches;
  }

  // on a phone the panel covers the page: Tab and Shift+Tab cycle inside it instead of wandering behind it
  function trapTab(event) {
    if (event.key !== "Tab" || panel.hidden || !isFullScreen()) return;
    var focusable = Array.prototype.filter.call(
      panel.querySelectorAll("button:not([disabled]), textarea, a[href], [tabindex='0']"),
      function (node) { return node.getClientRects().length > 0; });
    if (!focusable.length) return;
    var first = focusable[0], last = focusable[focusable.length - 1];
    var active = shadow.activeElement;
    if (event.shiftKey && (active === first || !panel.contains(active))) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && (active === last || !panel.contains(active))) { event.preventDefault(); first.focus(); }
  }

  function open() {
    panel.setAttribute("aria-modal", isFullScreen() ? "true" : "false");
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function showError(message) {
    errorBox.textContent = message || "";
  }

  // Keep the start of the newest answer in view (its first line is the conclusion): with its question above it
  // when both fit, else from its own first line. The end of a long answer is a scroll away, not its start.
  function scrollDown() {
    var answer = log.lastElementChild;
    if (!answer) return;
    var question = answer.previousElementSibling;
    var target = answer.offsetTop;
    if (question && answer.offsetTop + answer.offsetHeight - question.offsetTop <= log.clientHeight) {
      target = question.offsetTop;
    }
    log.scrollTop = Math.max(0, target - 8);
  }

  // "...[1] ... [2]" -> text with the markers as superscript links to the cited source sections
  function renderAnswerText(target, text, citations) {
    target.textContent = "";
    var byNumber = {};
    (citations || []).forEach(function (c) { byNumber[c.number] = c; });
    var parts = String(text).split(/\[(\d+)\]/);
    parts.forEach(function (part, i) {
      if (i % 2 === 0) { if (part) target.appendChild(document.createTextNode(part)); return; }
      var citation = byNumber[part];
      var href = citation && sourceUrl(citation.url);
      if (!href) { target.appendChild(document.createTextNode("[" + part + "]")); return; }
      var link = el("a", { href: href, target: "_blank", rel: "noopener",
        "aria-label": TEXTS.sources + " " + part + ": " + citation.title + " " + TEXTS.opens_new_tab, text: "[" + part + "]" });
      target.appendChild(el("sup", null, [link]));
    });
  }

  function renderCitations(bubble, citations) {
    if (!citations || !citations.length) return;
    var list = el("ol");
    citations.forEach(function (c) {
      var href = sourceUrl(c.url);
      var label = c.title + (c.section ? " \u2014 " + c.section : "");
      var item = el("li", { value: String(c.number) });
      if (href) {
        var link = el("a", { href: href, target: "_blank", rel: "noopener", "class": "source-link", text: label });
        link.appendChild(el("span", { "class": "sr-only", text: TEXTS.opens_new_tab }));
        item.appendChild(link);
      } else {
        item.appendChild(document.createTextNode(label));
      }
      if (c.as_of) item.appendChild(document.createTextNode("\uFF08" + TEXTS.as_of + ": " + c.as_of + "\uFF09"));
      list.appendChild(item);
    });
    bubble.appendChild(el("div", { "class": "sources" }, [el("h3", { text: TEXTS.sources }), list]));
  }

  function renderFeedback(bubble, answerId) {
    if (!answerId) return;
    var note = el("span", { "class": "sr-only", role: "status" });
    var box = el("div", { "class": "feedback" });
    [["up", "\uD83D\uDC4D", TEXTS.helpful], ["down", "\uD83D\uDC4E", TEXTS.not_helpful]].forEach(function (spec) {
      // the words are shown too: the emoji alone is a blank box where no emoji font is installed
      var button = el("button", { type: "button", "aria-label": spec[2], "aria-pressed": "false",
        "data-rating": spec[0], text: spec[1] + " " + spec[2] });
      button.addEventListener("click", function () {
        box.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        button.setAttribute("aria-pressed", "true");
        fetch(API + "/api/feedback", {
          method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit",
          body: JSON.stringify({ answer_id: answerId, rating: spec[0] })
        }).then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          note.className = "";
          note.textContent = TEXTS.feedback_thanks;
        }).catch(function () {
          box.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
          button.setAttribute("aria-pressed", "false");
          showError(navigator.onLine === false ? TEXTS.offline : TEXTS.error);
        });
      });
      box.appendChild(button);
    });
    box.appendChild(note);
    bubble.appendChild(box);
  }

  function renderDone(bubble, textNode, data) {
    renderAnswerText(textNode, data.text, data.citations);
    // a partial answer: its first line says what the documents lack; mark it so it reads as a caveat
    if (data.outcome === "partial") { bubble.classList.add("partial"); }
    if (data.clarify_options && data.clarify_options.length) {
      var options = el("div", { "class": "options", role: "group", "aria-label": TEXTS.clarify_lead });
      data.clarify_options.forEach(function (option) {
        var button = el("button", { type: "button", text: option });
        button.addEventListener("click", function () { ask(option); });
        options.appendChild(button);
      });
      bubble.appendChild(options);
    }
    renderCitations(bubble, data.citations);
    if (data.as_of) bubble.appendChild(el("p", { "class": "asof", text: TEXTS.as_of + ": " + data.as_of }));
    if (data.disclaimer) bubble.appendChild(el("p", { "class": "disclaimer", text: data.disclaimer }));
    renderFeedback(bubble, data.answer_id);
    if (data.conversation_id) setConversation(data.conversation_id);
  }

  function messageFor(status, body) {
    // the server's message is already Japanese and more precise (e.g. how many seconds to wait)
    if (body && typeof body.message === "string" && body.message) return body.message;
    return status === 429 ? TEXTS.rate_limited : status === 503 ? TEXTS.overloaded
      : status === 413 ? TEXTS.too_long : TEXTS.error;
  }

  // minimal SSE parser for a fetch() body: EventSource cannot POST
  function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder("utf-8");
    var buffer = "";
    function dispatch(block) {
      var name = "message";
      var data = [];
      block.split(/\r?\n/).forEach(function (line) {
        if (!line || line.charAt(0) === ":") return;
        var colon = line.indexOf(":");
        var field = colon < 0 ? line : line.slice(0, colon);
        var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      });
      if (data.length) onEvent(name, data.join("\n"));
    }
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) {
          buffer += decoder.decode();
          if (buffer.trim()) dispatch(buffer);
          return;
        }
        buffer += decoder.decode(chunk.value, { stream: true });
        var parts = buffer.split(/\r?\n\r?\n/);
        buffer = parts.pop();
        parts.forEach(dispatch);
        return pump();
      });
    }
    return pump();
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    log.setAttribute("aria-busy", value ? "true" : "false");
  }

  function ask(question) {
    question = String(question || "").trim();
    if (!question || busy) return false;
    showError("");
    if (navigator.onLine === false) { showError(TEXTS.offline); return false; }
    if (conversationId && Date.now() - lastAnswerAt > IDLE_MS) startOver();
    var asked = el("div", { "class": "msg user" }, [
      el("span", { "class": "who sr-only", text: TEXTS.you }), el("p", { "class": "text", text: question })
    ]);
    log.appendChild(asked);
    var status = el("p", { "class": "status", text: TEXTS.thinking });
    var textNode = el("p", { "class": "text answer-text" });
    var bubble = el("div", { "class": "msg bot answer" }, [el("span", { "class": "who sr-only", text: TEXTS.assistant }), status, textNode]);
    log.appendChild(bubble);
    scrollDown();
    setBusy(true);
    var streamed = "";
    var finished = false;
    var failed = false;

    // Nothing typed is lost: the question leaves the log (it was not answered) and goes back into an empty box.
    function fail(message) {
      failed = true;
      if (bubble.parentNode && !streamed) {
        bubble.parentNode.removeChild(bubble);
        if (asked.parentNode) asked.parentNode.removeChild(asked);
      }
      if (!input.value) { input.value = question; updateCounter(); }
      showError(message);
    }

    fetch(API + "/api/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
      credentials: "omit",
      body: JSON.stringify({ question: question, conversation_id: getConversation() })
    }).then(function (response) {
      if (!response.ok || !response.body) {
        return response.json().catch(function () { return null; }).then(function (body) {
          fail(messageFor(response.status, body));
        });
      }
      return readEvents(response, function (name, data) {
        var payload;
        try { payload = JSON.parse(data); } catch (e) { return; }
        if (name === "status") {
          status.textContent = payload.message || TEXTS.thinking;
        } else if (name === "answer") {
          streamed += payload.text || "";
          textNode.textContent = streamed;
          scrollDown();
        } else if (name === "replace") {
          // the streamed LLM text failed the answer check: show the extractive answer, and say so
          streamed = payload.text || "";
          textNode.textContent = streamed;
          bubble.insertBefore(el("p", { "class": "notice", role: "status", text: payload.notice || "" }), textNode);
          scrollDown();
        } else if (name === "done") {
          finished = true;
          status.parentNode && status.parentNode.removeChild(status);
          renderDone(bubble, textNode, payload);
          scrollDown();
        } else if (name === "error") {
          finished = true;
          fail(payload.message || TEXTS.error);
        }
      }).then(function () {
        if (!finished) fail(TEXTS.error);
      });
    }).catch(function () {
      fail(navigator.onLine === false ? TEXTS.offline : TEXTS.error);
    }).then(function () {
      setBusy(false);
      // the box empties only once the answer is in, and only if it still holds what was sent
      if (finished && !failed && input.value.trim() === question) { input.value = ""; updateCounter(); }
    });
    return true;
  }

  // --- events ---
  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  newButton.addEventListener("click", function () {
    startOver();
    input.focus();
  });
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { event.preventDefault(); close(); }
    trapTab(event);
  });
  input.addEventListener("input", updateCounter);
  input.addEventListener("keydown", function (event) {
    // Enter while an IME is composing kana confirms the conversion; it must never send
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submit();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
  window.addEventListener("offline", function () { showError(TEXTS.offline); });
  window.addEventListener("online", function () { if (errorBox.textContent === TEXTS.offline) showError(""); });

  function submit() {
    ask(input.value); // the box keeps the text until the answer is in (see ask)
  }

  greet();
  updateCounter();
  // pasted into <head> without defer, the body does not exist yet
  if (document.body) document.body.appendChild(host);
  else document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(host); });
})();
