// curator's conversation renderer and the word diff of an edit: conversation text only ever
// becomes text nodes, never HTML.
// Loaded before card.js (curator/app/components/__init__.py joins the two into one module).

const LONG = 1500; // characters shown of a long message before "show all"
const HEAD = 1000;
const MANY = 14; // messages shown before the middle ones are folded

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function button(label, cls, onClick, hint) {
  const b = el("button", cls ? `btn ${cls}` : "btn", label);
  b.type = "button";
  if (hint) b.title = hint;
  b.addEventListener("click", (e) => { e.preventDefault(); onClick(); });
  return b;
}

// --- conversation -------------------------------------------------------------------------
function longText(text, host) {
  const box = el("div", "text");
  if (text.length <= LONG) { box.textContent = text; host.appendChild(box); return; }
  box.textContent = text.slice(0, HEAD) + " …";
  host.appendChild(box);
  const more = button(`Show all (${text.length.toLocaleString()} characters)`, "link", () => {
    box.textContent = text;
    more.remove();
  });
  more.dataset.testid = "show-all";
  host.appendChild(more);
}

function messageNode(m, label) {
  const node = el("div", `msg role-${m.role}`);
  const head = el("div", "who", label || (m.role + (m.name ? ` · ${m.name}` : "")));
  node.appendChild(head);
  if (m.text) longText(m.text, node);
  if (m.other_parts) node.appendChild(el("div", "note", m.other_parts));
  for (const call of m.tool_calls || []) {
    node.appendChild(el("div", "tool", `Tool call ${call.name}`));
    const pre = el("pre", "code");
    longText(call.arguments, pre);
    node.appendChild(pre);
  }
  if (m.function_call) node.appendChild(el("pre", "code", m.function_call));
  if (m.tool_call_id) node.appendChild(el("div", "note", `result of tool call ${m.tool_call_id}`));
  return node;
}

function drawConversation(conv, host) {
  const box = el("div", "conversation");
  if (conv.system.length) {
    const sys = el("div", "msg role-system");
    sys.appendChild(el("div", "who", "system prompt"));
    conv.system.forEach((t) => longText(t, sys));
    box.appendChild(sys);
  }
  if (conv.tools) {
    const tools = el("details", "tools");
    tools.open = true;
    tools.appendChild(el("summary", null, `Tool definitions (${conv.tools_count})`));
    const pre = el("pre", "code");
    longText(conv.tools, pre);
    tools.appendChild(pre);
    box.appendChild(tools);
  }
  const msgs = conv.messages;
  const fold = msgs.length > MANY;
  const headN = fold ? 4 : msgs.length;
  const tailFrom = fold ? msgs.length - (MANY - 6) : msgs.length;
  const label = (i) => (i === conv.final_index ? "final reply" : null);
  const finalAndRejected = (i, node) => {
    if (i !== conv.final_index || !conv.rejected) return node;
    const pair = el("div", "pair");
    pair.appendChild(node);
    pair.appendChild(messageNode(conv.rejected, "rejected alternative"));
    return pair;
  };
  for (let i = 0; i < headN; i++) box.appendChild(finalAndRejected(i, messageNode(msgs[i], label(i))));
  if (fold) {
    const middle = el("div", "folded");
    const more = button(`Show ${tailFrom - headN} more messages`, "link", () => {
      for (let i = headN; i < tailFrom; i++) middle.appendChild(finalAndRejected(i, messageNode(msgs[i], label(i))));
      more.remove();
    });
    more.dataset.testid = "show-more-messages";
    middle.appendChild(more);
    box.appendChild(middle);
    for (let i = tailFrom; i < msgs.length; i++) box.appendChild(finalAndRejected(i, messageNode(msgs[i], label(i))));
  }
  if (conv.rejected && conv.final_index === null) box.appendChild(messageNode(conv.rejected, "rejected alternative"));
  host.appendChild(box);
}

// --- word diff ----------------------------------------------------------------------------
function words(text) { return text.split(/(\s+)/).filter((w) => w !== ""); }

function wordDiff(a, b) {
  const x = words(a), y = words(b);
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const xs = x.slice(pre, x.length - suf), ys = y.slice(pre, y.length - suf);
  const out = [];
  if (pre) out.push(["=", x.slice(0, pre).join("")]);
  if (xs.length * ys.length > 4000000) {
    if (xs.length) out.push(["-", xs.join("")]);
    if (ys.length) out.push(["+", ys.join("")]);
  } else {
    const n = xs.length, m = ys.length;
    const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = xs[i] === ys[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
    let i = 0, j = 0;
    const push = (op, w) => { const last = out[out.length - 1]; if (last && last[0] === op) last[1] += w; else out.push([op, w]); };
    while (i < n && j < m) {
      if (xs[i] === ys[j]) { push("=", xs[i]); i++; j++; } else if (L[i + 1][j] >= L[i][j + 1]) { push("-", xs[i]); i++; } else { push("+", ys[j]); j++; }
    }
    while (i < n) push("-", xs[i++]);
    while (j < m) push("+", ys[j++]);
  }
  if (suf) out.push(["=", x.slice(x.length - suf).join("")]);
  return out;
}

function drawDiff(parts, host) {
  host.textContent = "";
  for (const [op, text] of parts) host.appendChild(el(op === "=" ? "span" : op === "-" ? "del" : "ins", null, text));
}

