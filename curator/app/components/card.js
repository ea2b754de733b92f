// curator's review card (a Streamlit v2 component, no build step), after conversation.js.
//
// In "view" mode this draws a conversation; in "review" mode it is the whole review card: it
// owns the keys (listening on the document, so they act right after load and after a click
// anywhere, but never while a text field has focus), and sends intents to Python, each naming
// the claim (example + token) it answers. Intents wait in an outbox with sequence numbers until
// the server acknowledges them, so a key pressed during a rerun is neither lost nor sent twice.
// The server also sends the next example it holds for the reviewer, which is painted the moment
// a decision is made.

const RESEND_MS = 4000;
const BEAT_MS = 5 * 60 * 1000; // while the reviewer works, the server renews their claims this often

const KEYS = [
  ["A", "approve: a good example to train on"],
  ["N", "negative: the final reply shows what the model must not do (desired reply optional)"],
  ["X", "reject: exclude the example (choose violated rules, or write a note)"],
  ["E", "edit the messages, then approve the edited conversation"],
  ["S", "skip: leave it to others for now"],
  ["C", "cluster: decide this example and its near duplicates at once (their differences shown first; then A, N or X)"],
  ["J", "accept the model's suggestion shown on the card (recorded as your decision)"],
  ["U", "undo your last action (a decision or a skip)"],
  ["H", "your recent decisions: reopen or undo any of them"],
  ["G", "go to an example by id or source:line"],
  ["?", "this list of keys"],
  ["Ctrl+Enter", "save the open panel"],
  ["Enter", "in the rule picker: add the highlighted rule (with an empty filter: save)"],
  ["Esc", "close a panel or this list (what you typed stays); leave a text field"],
];

// --- the review card ----------------------------------------------------------------------
function isTextField(node) {
  if (!node || node.nodeType !== 1) return false;
  const tag = node.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT" || node.isContentEditable) return true;
  if (tag === "INPUT") return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file", "image"].includes((node.type || "text").toLowerCase());
  const role = node.getAttribute && node.getAttribute("role");
  return role === "textbox" || role === "combobox" || role === "searchbox";
}

function deepActive() {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a;
}

const ADVANCES = new Set(["approve", "negative", "reject", "edit", "skip", "accept"]);
const DIFF_CONTEXT = 60; // characters of unchanged text kept on each side of a change in a member's diff

// A member's word diff against the representative, with long unchanged runs folded.
function compactDiff(parts) {
  return parts.map(([op, text], i) => {
    if (op !== "=" || text.length <= 3 * DIFF_CONTEXT) return [op, text];
    const head = i === 0 ? "" : text.slice(0, DIFF_CONTEXT);
    const tail = i === parts.length - 1 ? "" : text.slice(-DIFF_CONTEXT);
    return [op, `${head} … ${tail}`];
  });
}

class Card {
  constructor(parent, setStateValue) {
    this.parent = parent;
    this.setStateValue = setStateValue;
    this.root = el("div", "card");
    this.root.dataset.testid = "review-card";
    parent.appendChild(this.root);
    this.id = Math.random().toString(36).slice(2) + Date.now().toString(36); // this card's intents
    this.seq = 0;
    this.sends = 0;
    this.outbox = [];
    this.acked = 0;
    this.data = null;
    this.shown = null; // the card on screen (null: waiting for the server)
    this.next = null; // the card after it, if the server sent one
    this.panel = null; // null, "negative", "reject", "edit", "help", "recent", "jump", "cluster"
    this.inputs = null;
    this.noticeSeen = null;
    this.onKey = (e) => { this.workedAt = Date.now(); this.key(e); };
    this.onWork = () => { this.workedAt = Date.now(); };
    window.addEventListener("keydown", this.onKey, true);
    for (const type of ["pointerdown", "input", "wheel"]) window.addEventListener(type, this.onWork, true);
    this.timer = setInterval(() => this.resend(), RESEND_MS / 2);
    this.lastSend = 0;
    this.workedAt = Date.now();
    this.beats = 0;
    // Reading one long conversation makes no request; a heartbeat keeps its claim alive.
    this.beat = setInterval(() => { if (Date.now() - this.workedAt < BEAT_MS) this.setStateValue("beat", ++this.beats); }, BEAT_MS);
  }

  destroy() {
    window.removeEventListener("keydown", this.onKey, true);
    for (const type of ["pointerdown", "input", "wheel"]) window.removeEventListener(type, this.onWork, true);
    clearInterval(this.timer);
    clearInterval(this.beat);
  }

  update(data) {
    this.data = data;
    this.updates = (this.updates || 0) + 1;
    const ack = data.ack && data.ack.card === this.id ? data.ack.seq : 0;
    this.acked = Math.max(this.acked, ack);
    this.outbox = this.outbox.filter((it) => it.seq > this.acked);
    if (!this.outbox.length) {
      this.show(data.current);
      this.next = data.next;
    } else if (this.shown === null && data.current) {
      const pending = this.outbox.filter((it) => ADVANCES.has(it.action));
      if (pending.length === 1 && pending[0].token === data.current.token && this.outbox.length === 1) {
        this.show(data.next);
        this.next = null;
      }
    }
    this.draw();
  }

  show(card) {
    const same = card && this.shown && card.token === this.shown.token;
    this.shown = card || null;
    if (same) return;
    this.convNode = null;
    this.hint = null;
    this.panel = this.panel === "recent" || this.panel === "help" ? this.panel : null;
    this.inputs = card ? {
      note: card.replaces ? card.replaces.note || "" : "",
      rules: card.replaces && card.replaces.verdict === "reject" ? [...card.replaces.rules] : [...card.preselect],
      reply: card.replaces && card.replaces.reply !== null ? card.replaces.reply : card.original_reply,
      edits: {},
      filter: "",
      cursor: 0,
      error: "",
      cluster: false, // the open panel decides the cluster (the cluster panel, or its reject)
    } : null;
    const active = deepActive();
    if (active && this.root.contains(active)) active.blur();
  }

  // -- intents --
  send(action, extra) {
    const card = this.shown;
    const item = { seq: ++this.seq, action, ...(extra || {}) };
    if (card && !("example_id" in item)) { item.example_id = card.example_id; item.token = card.token; }
    this.outbox.push(item);
    if (ADVANCES.has(action)) {
      this.show(this.next);
      this.next = null;
    } else {
      this.show(null);
    }
    if (this.panel !== "help") this.panel = null;
    this.flush();
    this.draw();
  }

  flush() {
    this.lastSend = Date.now();
    this.setStateValue("outbox", { card: this.id, items: this.outbox.map((it) => ({ ...it })), n: ++this.sends });
  }

  resend() {
    if (this.outbox.length && Date.now() - this.lastSend > RESEND_MS) this.flush();
  }

  decide(action) {
    const card = this.shown;
    if (!card) return;
    const inp = this.inputs;
    const note = inp.note.trim();
    if (action === "reject" && !inp.rules.length && !note) {
      inp.error = "Choose at least one violated rule, or write a note saying why.";
      this.panel = "reject";
      this.draw();
      this.focusPanel();
      return;
    }
    const extra = { note };
    if (action === "reject") extra.rules = [...inp.rules];
    if (this.clusterFlow() && ["approve", "negative", "reject"].includes(action)) {
      extra.verdict = action;
      extra.members = card.cluster.members.filter((m) => m.status === "open").map((m) => m.example_id);
      this.send("cluster", extra);
      return;
    }
    if (action === "negative") extra.reply = inp.reply === card.original_reply ? "" : inp.reply;
    if (action === "edit") {
      const changed = Object.entries(inp.edits).filter(([i, t]) => t !== card.editable[i]);
      if (!changed.length) { inp.error = "Nothing edited yet."; this.draw(); return; }
      extra.messages = changed.map(([i, t]) => ({ index: Number(i), content: t }));
    }
    this.send(action, extra);
  }

  clusterFlow() {
    return !!(this.inputs && this.inputs.cluster && (this.panel === "cluster" || this.panel === "reject"));
  }

  openCluster() {
    const card = this.shown;
    if (!card) return;
    if (!card.cluster) { this.inputs.error = ""; this.flash("This example represents no near-duplicate cluster (or dedup has not run)."); return; }
    if (!card.cluster.members.some((m) => m.status === "open")) { this.flash("Every member of this cluster is decided or held by someone: decide this example alone."); return; }
    this.open("cluster");
    this.inputs.cluster = true;
  }

  accept() {
    const card = this.shown;
    if (!card) return;
    const s = (card.suggestions || [])[0];
    if (!s) { this.flash("No model suggestion on this example."); return; }
    this.send("accept", { suggestion_id: s.id, note: this.inputs.note.trim() });
  }

  flash(text) {
    this.hint = text;
    this.draw();
  }

  // -- keys --
  key(e) {
    if (this !== activeCard) return;
    if (!this.parent.isConnected && !(this.parent.host && this.parent.host.isConnected)) return;
    const active = deepActive();
    const inCard = active && this.root.contains(active);
    const k = e.key;
    if (inCard && isTextField(active)) return this.fieldKey(e, active);
    if (isTextField(active)) {
      if (k === "Escape") active.blur(); // leave a page field: the keys act again
      return;
    }
    if (e.altKey || e.metaKey) return;
    if (e.ctrlKey) {
      if (k === "Enter" && ["negative", "reject", "edit"].includes(this.panel)) { this.stop(e); this.decide(this.panel); }
      return;
    }
    if (k === "Escape") {
      if (this.panel) { this.stop(e); this.panel = null; if (this.inputs) this.inputs.cluster = false; this.draw(); }
      return;
    }
    if (k === "?") { this.stop(e); this.panel = this.panel === "help" ? null : "help"; this.draw(); return; }
    const lower = k.length === 1 ? k.toLowerCase() : k;
    const card = this.shown;
    this.hint = null;
    const inCluster = this.panel === "cluster";
    const act = {
      a: () => this.decide("approve"),
      n: () => (inCluster ? this.decide("negative") : this.open("negative")),
      x: () => this.open("reject"),
      e: () => this.open("edit"),
      s: () => this.send("skip"),
      u: () => this.send("undo", { example_id: null, token: null }),
      h: () => { this.panel = this.panel === "recent" ? null : "recent"; this.draw(); this.focusPanel(); },
      g: () => this.open("jump", true),
      c: () => this.openCluster(),
      j: () => this.accept(),
    }[lower];
    if (!act) return;
    this.stop(e);
    if (e.repeat) return; // a held key decides nothing more
    if (!card && !["u", "h", "g"].includes(lower)) return; // nothing on screen yet
    if (this.pendingNonAdvance()) return; // an undo or a jump is on its way
    act();
  }

  stop(e) { e.preventDefault(); e.stopPropagation(); }

  pendingNonAdvance() { return this.outbox.some((it) => !ADVANCES.has(it.action)); }

  open(panel, always) {
    if (!this.shown && !always) return;
    if (this.inputs) this.inputs.cluster = this.inputs.cluster && panel === "reject" && this.panel === "cluster";
    if (panel === "edit" && this.clusterFlow()) return; // an edit fits one example, not a cluster
    this.panel = panel;
    if (this.inputs) this.inputs.error = "";
    this.draw();
    this.focusPanel();
  }

  focusPanel() {
    const target = this.root.querySelector("[data-autofocus]");
    if (!target) return;
    target.focus();
    if (target.select && target.dataset.select) target.select();
    const box = target.closest(".panel");
    if (box) box.scrollIntoView({ block: "nearest" }); // the whole panel, not just its first field
  }

  fieldKey(e, field) {
    const k = e.key;
    if (k === "Escape") {
      this.stop(e);
      field.blur();
      if (this.panel && field.dataset.panel) { this.panel = null; this.draw(); }
      return;
    }
    if (k === "Enter" && (e.ctrlKey || e.metaKey)) {
      this.stop(e);
      if (["negative", "reject", "edit"].includes(this.panel)) this.decide(this.panel);
      else field.blur();
      return;
    }
    if (field.dataset.role === "rule-filter") {
      const matches = this.ruleMatches();
      if (k === "ArrowDown" || k === "ArrowUp") {
        this.stop(e);
        const n = matches.length;
        if (n) this.inputs.cursor = (this.inputs.cursor + (k === "ArrowDown" ? 1 : n - 1)) % n;
        this.draw();
        this.focusPanel();
      } else if (k === "Enter") {
        this.stop(e);
        if (this.inputs.filter.trim() && matches.length) {
          this.toggleRule(matches[Math.min(this.inputs.cursor, matches.length - 1)].id);
          this.inputs.filter = "";
          this.inputs.cursor = 0;
          this.draw();
          this.focusPanel();
        } else if (!this.inputs.filter.trim()) {
          this.decide("reject");
        }
      }
      return;
    }
    if (field.dataset.role === "jump" && k === "Enter") {
      this.stop(e);
      const ref = field.value.trim();
      if (ref) this.send("jump", { ref, example_id: null, token: null });
      return;
    }
    if (field.dataset.role === "note" && k === "Enter") { this.stop(e); field.blur(); }
  }

  ruleMatches() {
    const f = this.inputs.filter.trim().toLowerCase();
    return (this.data.rules || []).filter((r) => !f || r.id.toLowerCase().includes(f) || r.title.toLowerCase().includes(f));
  }

  toggleRule(id) {
    const rules = this.inputs.rules;
    const at = rules.indexOf(id);
    if (at >= 0) rules.splice(at, 1); else rules.push(id);
    this.inputs.error = "";
  }

  // -- drawing --
  draw() {
    // A redraw (the server's answer arriving, a panel opening) must not take the caret away
    // from the field the reviewer is typing in: find the same field again and restore it.
    const active = deepActive();
    const label = active && this.root.contains(active) ? active.getAttribute("aria-label") : null;
    const caret = label && "selectionStart" in active ? [active.selectionStart, active.selectionEnd, active.scrollTop] : null;
    this.paint();
    if (label) {
      const again = [...this.root.querySelectorAll("[aria-label]")].find((n) => n.getAttribute("aria-label") === label);
      if (again) {
        again.focus();
        if (caret) { try { again.setSelectionRange(caret[0], caret[1]); again.scrollTop = caret[2]; } catch (err) { /* not a text field */ } }
      }
    }
  }

  paint() {
    const data = this.data || {};
    const root = this.root;
    root.textContent = "";
    const card = this.shown;
    root.dataset.state = card ? "ready" : this.outbox.length ? "waiting" : "empty";
    root.dataset.example = card ? card.example_id : "";
    root.dataset.token = card ? card.token : "";
    root.dataset.pending = String(this.outbox.length);
    root.dataset.acked = String(this.acked);
    root.dataset.updates = String(this.updates || 0);
    root.dataset.panel = this.panel || "";
    if (data.notice && data.notice.text) {
      const n = el("div", `notice ${data.notice.kind}`, data.notice.text);
      n.dataset.testid = "notice";
      n.setAttribute("role", data.notice.kind === "error" ? "alert" : "status");
      root.appendChild(n);
    }
    for (const text of data.lost || []) root.appendChild(el("div", "notice warn", text));
    if (this.hint) {
      const h = el("div", "notice info", this.hint);
      h.dataset.testid = "hint";
      root.appendChild(h);
    }
    if (!card) {
      root.appendChild(el("div", "empty", this.outbox.length ? "Saving… the next example follows." : data.empty || "Your queue is empty."));
    } else {
      this.drawCard(card, root);
    }
    if (this.panel === "help") this.drawHelp(root);
    if (this.panel === "recent") this.drawRecent(root);
    if (this.panel === "jump") this.drawJump(root);
    if (this.panel && this.panel !== this.scrolledTo) {
      const box = root.querySelector(".panel");
      if (box) requestAnimationFrame(() => box.scrollIntoView({ block: "nearest" }));
    }
    this.scrolledTo = this.panel;
  }

  drawCard(card, root) {
    const head = el("div", "head");
    head.appendChild(el("span", "where", card.header));
    if (card.gold) head.appendChild(el("span", "badge gold", "gold"));
    if (this.outbox.length) head.appendChild(el("span", "badge saving", "saving…"));
    root.appendChild(head);
    if (card.replaces) {
      const r = card.replaces;
      root.appendChild(el("div", "notice info", `Changing your ${r.verdict} of this example: it counts until you decide again (Esc, then U undoes it instead).`));
    }
    for (const w of card.warnings) root.appendChild(el("div", "flag warning", `⚠ ${w}`));
    for (const f of card.flags) {
      const row = el("div", `flag sev-${f.severity}`);
      row.appendChild(el("span", `badge sev-${f.severity}`, f.severity));
      row.appendChild(el("span", null, ` ${f.rule_id} (${f.check}): ${f.message}`));
      root.appendChild(row);
    }
    this.drawSuggestions(card, root);
    if (card.cluster) {
      const open = card.cluster.members.filter((m) => m.status === "open").length;
      const line = el("div", "notice info", `Representative of a near-duplicate cluster of ${card.cluster.size} examples (${open} open to your decision) — C decides them together, after showing their differences.`);
      line.dataset.testid = "cluster-line";
      root.appendChild(line);
    }
    if (!this.convNode) {
      // Built once per example: redraws (a panel opening) keep what "show all" unfolded.
      this.convNode = el("div", "conv");
      drawConversation(card.conversation, this.convNode);
    }
    root.appendChild(this.convNode);
    if (this.panel === "negative") this.drawNegative(card, root);
    if (this.panel === "cluster") this.drawCluster(card, root);
    if (this.panel === "reject") this.drawReject(root);
    if (this.panel === "edit") this.drawEdit(card, root);
    const note = el("input", "note-input");
    note.type = "text";
    note.placeholder = "Note (optional): why, for the lead and the audit — Enter or Esc leaves the field";
    note.setAttribute("aria-label", "Note");
    note.dataset.role = "note";
    note.value = this.inputs.note;
    note.addEventListener("input", () => { this.inputs.note = note.value; });
    root.appendChild(note);
    const bar = el("div", "bar");
    bar.appendChild(button("Approve (A)", "primary", () => this.decide("approve")));
    bar.appendChild(button("Negative (N)", "", () => this.open("negative")));
    bar.appendChild(button("Reject (X)", "", () => this.open("reject")));
    bar.appendChild(button("Edit (E)", "", () => this.open("edit")));
    bar.appendChild(button("Skip (S)", "quiet", () => this.send("skip")));
    if (card.cluster) bar.appendChild(button("Cluster (C)", "quiet", () => this.openCluster()));
    bar.appendChild(button("Undo (U)", "quiet", () => this.send("undo", { example_id: null, token: null })));
    bar.appendChild(button("Recent (H)", "quiet", () => { this.panel = "recent"; this.draw(); this.focusPanel(); }));
    bar.appendChild(button("Keys (?)", "quiet", () => { this.panel = "help"; this.draw(); }));
    root.appendChild(bar);
    root.appendChild(el("div", "explain", "Negative: the final reply is what the model must not do — kept for preference and KTO files; without a desired reply it stays out of SFT files. Reject: leave the example out of every file."));
  }

  panelBox(title, root) {
    const box = el("div", "panel");
    box.appendChild(el("div", "panel-title", title));
    root.appendChild(box);
    return box;
  }

  errorLine(box) {
    if (this.inputs.error) {
      const e = el("div", "notice error", this.inputs.error);
      e.setAttribute("role", "alert");
      box.appendChild(e);
    }
  }

  drawNegative(card, root) {
    const box = this.panelBox("Negative · desired reply (optional; prefilled with the original, unchanged means none) — Ctrl+Enter saves, Esc closes", root);
    const area = el("textarea", "reply");
    area.setAttribute("aria-label", "Desired reply");
    area.dataset.autofocus = "1";
    area.dataset.select = "1"; // typing replaces the prefilled original; arrows keep it to edit
    area.dataset.panel = "1";
    area.rows = 6;
    area.value = this.inputs.reply;
    area.addEventListener("input", () => { this.inputs.reply = area.value; });
    box.appendChild(area);
    this.errorLine(box);
    box.appendChild(button("Save negative (Ctrl+Enter)", "primary", () => this.decide("negative")));
  }

  drawSuggestions(card, root) {
    (card.suggestions || []).forEach((s, i) => {
      const box = el("div", "suggestion");
      box.dataset.testid = "suggestion";
      const head = el("div", "suggestion-head");
      head.appendChild(el("span", "badge", "model suggestion"));
      head.appendChild(el("span", `badge verdict-${s.verdict}`, s.verdict));
      head.appendChild(el("span", null, ` ${s.model}${s.rules.length ? " · " + s.rules.join(", ") : ""}`));
      box.appendChild(head);
      if (s.rationale) box.appendChild(el("div", "suggestion-why", s.rationale));
      if (i === 0) box.appendChild(button("Accept suggestion (J)", "small", () => this.accept()));
      root.appendChild(box);
    });
  }

  drawCluster(card, root) {
    const c = card.cluster;
    const open = c.members.filter((m) => m.status === "open");
    const box = this.panelBox(`Decide the cluster · your decision on this example goes to ${open.length} more: A approves, N marks negative, X rejects (choose rules) — Esc closes`, root);
    box.dataset.testid = "cluster";
    const left = c.members.filter((m) => m.status !== "open");
    if (left.length) {
      const warn = el("div", "notice warn");
      warn.dataset.testid = "cluster-left";
      warn.appendChild(el("div", null, `Left as they are (${left.length}), not overwritten:`));
      for (const m of left) warn.appendChild(el("div", null, m.why));
      box.appendChild(warn);
    }
    if (c.more) box.appendChild(el("div", "note", `${c.more} more members are not listed and will not be decided now.`));
    drawMembers(c.text, open, box);
    this.errorLine(box);
    const bar = el("div", "bar");
    bar.appendChild(button(`Approve all ${open.length + 1} (A)`, "primary", () => this.decide("approve")));
    bar.appendChild(button("Negative all (N)", "", () => this.decide("negative")));
    bar.appendChild(button("Reject all (X)", "", () => this.open("reject")));
    box.appendChild(bar);
  }

  drawReject(root) {
    const title = this.clusterFlow() ? "Reject the cluster" : "Reject";
    const box = this.panelBox(title + " · violated rules — type to filter, ↑↓ to move, Enter adds the highlighted rule, Enter on an empty filter or Ctrl+Enter saves, Esc closes", root);
    const chosen = el("div", "chips");
    chosen.dataset.testid = "chosen-rules";
    for (const id of this.inputs.rules) {
      const chip = button(`${id} ✕`, "chip", () => { this.toggleRule(id); this.draw(); this.focusPanel(); });
      chip.tabIndex = -1;
      chosen.appendChild(chip);
    }
    if (!this.inputs.rules.length) chosen.appendChild(el("span", "note", "no rule chosen"));
    box.appendChild(chosen);
    const filter = el("input", "rule-filter");
    filter.type = "text";
    filter.setAttribute("aria-label", "Filter rules");
    filter.placeholder = "type a rule id or words of its title";
    filter.dataset.autofocus = "1";
    filter.dataset.panel = "1";
    filter.dataset.role = "rule-filter";
    filter.value = this.inputs.filter;
    const list = el("div", "rules");
    list.setAttribute("role", "listbox");
    const redrawList = () => {
      list.textContent = "";
      const matches = this.ruleMatches();
      this.inputs.cursor = Math.min(this.inputs.cursor, Math.max(0, matches.length - 1));
      matches.forEach((r, i) => {
        const on = this.inputs.rules.includes(r.id);
        const item = el("div", `rule${i === this.inputs.cursor ? " hot" : ""}${on ? " on" : ""}`);
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", on ? "true" : "false");
        item.appendChild(el("span", "tick", on ? "☑" : "☐"));
        item.appendChild(el("span", `badge sev-${r.severity}`, r.severity));
        item.appendChild(el("span", "rule-id", r.id));
        item.appendChild(el("span", "rule-title", r.title));
        item.addEventListener("mousedown", (e) => { e.preventDefault(); this.toggleRule(r.id); this.draw(); this.focusPanel(); });
        list.appendChild(item);
      });
      if (!matches.length) list.appendChild(el("div", "note", (this.data.rules || []).length ? "no rule matches" : "no guidelines loaded: write a note saying why"));
    };
    filter.addEventListener("input", () => { this.inputs.filter = filter.value; this.inputs.cursor = 0; redrawList(); });
    redrawList();
    box.appendChild(filter);
    box.appendChild(list);
    this.errorLine(box);
    box.appendChild(button("Save reject (Ctrl+Enter)", "primary", () => this.decide("reject")));
  }

  drawEdit(card, root) {
    const box = this.panelBox("Edit · change any message; the word diff follows as you type — Ctrl+Enter saves (an approve with the edit), Esc closes", root);
    for (const [index, original] of Object.entries(card.editable)) {
      const wrap = el("div", "edit");
      wrap.appendChild(el("div", "who", `message ${Number(index) + 1} · ${card.roles[index]}`));
      const area = el("textarea", "edit-area");
      area.setAttribute("aria-label", `Message ${Number(index) + 1}`);
      area.dataset.panel = "1";
      area.rows = Math.min(12, Math.max(3, Math.ceil(original.length / 90)));
      if (Number(index) === card.last_editable) area.dataset.autofocus = "1";
      const current = index in this.inputs.edits ? this.inputs.edits[index] : original;
      area.value = current;
      const diff = el("div", "diff");
      diff.dataset.testid = "diff";
      let pending = 0;
      const refresh = () => {
        pending = 0;
        const text = area.value;
        if (text === original) { diff.textContent = ""; diff.hidden = true; return; }
        diff.hidden = false;
        drawDiff(wordDiff(original, text), diff);
      };
      area.addEventListener("input", () => {
        this.inputs.edits[index] = area.value;
        this.inputs.error = "";
        if (!pending) pending = requestAnimationFrame(refresh);
      });
      refresh();
      wrap.appendChild(area);
      wrap.appendChild(diff);
      box.appendChild(wrap);
    }
    this.errorLine(box);
    box.appendChild(button("Save edit (Ctrl+Enter)", "primary", () => this.decide("edit")));
  }

  drawHelp(root) {
    const box = this.panelBox("Keys — they act whenever no text field has focus (Esc leaves one)", root);
    box.dataset.testid = "help";
    const table = el("table", "keys");
    for (const [k, what] of KEYS) {
      const tr = el("tr");
      tr.appendChild(el("td", "key", k));
      tr.appendChild(el("td", null, what));
      table.appendChild(tr);
    }
    box.appendChild(table);
  }

  drawRecent(root) {
    const box = this.panelBox("Your recent decisions (newest first) — Tab to a button, Enter to use it, Esc closes", root);
    box.dataset.testid = "recent";
    const rows = (this.data && this.data.recent) || [];
    if (!rows.length) box.appendChild(el("div", "note", "No decisions yet."));
    let first = true;
    for (const r of rows) {
      const row = el("div", `recent-row${r.live ? "" : " gone"}`);
      row.appendChild(el("span", `badge verdict-${r.verdict}`, r.verdict));
      row.appendChild(el("span", "recent-what", r.label));
      if (r.live) {
        const reopen = button("Reopen", "small", () => this.send("reopen", { decision_id: r.decision_id, example_id: null, token: null }));
        if (first) { reopen.dataset.autofocus = "1"; first = false; }
        row.appendChild(reopen);
        row.appendChild(button("Undo", "small quiet", () => this.send("undo_decision", { decision_id: r.decision_id, example_id: null, token: null })));
      } else {
        row.appendChild(el("span", "note", "undone or changed"));
      }
      box.appendChild(row);
    }
  }

  drawJump(root) {
    const box = this.panelBox("Go to an example — its id, or source:line as imported; Enter goes, Esc closes", root);
    const input = el("input", "jump");
    input.type = "text";
    input.setAttribute("aria-label", "Example id or source:line");
    input.dataset.role = "jump";
    input.dataset.panel = "1";
    input.dataset.autofocus = "1";
    box.appendChild(input);
  }
}

// Each member's word diff against the representative's conversation (the card's cluster
// panel, and the lead page's cluster confirmation).
function drawMembers(text, members, host) {
  for (const m of members) {
    const row = el("div", "member");
    row.dataset.example = m.example_id;
    const sim = m.similarity === null || m.similarity === undefined ? "" : ` · similarity ${Number(m.similarity).toFixed(2)}`;
    row.appendChild(el("div", "who", `example ${m.seq} · ${m.kind} duplicate${sim}${m.status === "open" ? "" : " · " + m.why}`));
    const diff = el("div", "diff");
    diff.dataset.testid = "member-diff";
    if (m.text === text) diff.textContent = "same conversation"; else drawDiff(compactDiff(wordDiff(text, m.text)), diff);
    row.appendChild(diff);
    host.appendChild(row);
  }
}

const cards = new WeakMap();
let activeCard = null; // keys go to the card that last heard from the server, never to two

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  if (!data) return undefined;
  if (data.mode === "view" || data.mode === "members") {
    parentElement.querySelectorAll(".view").forEach((n) => n.remove());
    const box = el("div", "view");
    if (data.mode === "view") drawConversation(data.conversation, box); else drawMembers(data.text, data.members, box);
    parentElement.appendChild(box);
    return undefined;
  }
  let card = cards.get(parentElement);
  if (!card) {
    card = new Card(parentElement, setStateValue);
    cards.set(parentElement, card);
  }
  card.setStateValue = setStateValue;
  activeCard = card;
  card.update(data);
  return () => {
    card.destroy();
    cards.delete(parentElement);
    if (activeCard === card) activeCard = null;
  };
}
