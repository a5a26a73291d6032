// journeylens web UI: the little JavaScript the pages need. No inline scripts (CSP):
// pages hand data over in <script type="application/json"> blocks that this file reads.
"use strict";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

// Charts: <div class="chart" data-chart="ID"> + <script type="application/json" id="ID">
// holding a plotly.js {data, layout, config?}. plotly.min.js is loaded only by pages that draw.
function drawCharts(root = document) {
  if (!window.Plotly) return;
  for (const el of root.querySelectorAll(".chart[data-chart]")) {
    const source = document.getElementById(el.dataset.chart);
    if (!source) continue;
    const spec = JSON.parse(source.textContent);
    const layout = Object.assign(
      { margin: { t: 24, r: 16, b: 48, l: 56 }, font: { family: "system-ui, sans-serif", size: 12 },
        paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)" },
      spec.layout || {});
    // Margins merge key by key: a page setting only the left margin keeps the others.
    layout.margin = Object.assign({ t: 24, r: 16, b: 48, l: 56 }, (spec.layout || {}).margin || {});
    const config = Object.assign({ displaylogo: false, responsive: true }, spec.config || {});
    window.Plotly.newPlot(el, spec.data, layout, config);
    chineseDates(el);
    el.dataset.drawn = "true";
  }
}

// plotly.js names months in English ("Oct 4"): on Chinese pages, date axes read 10月4日.
function chineseDates(el) {
  if (!document.documentElement.lang.startsWith("zh") || !el._fullLayout) return;
  const update = {};
  for (const [name, axis] of Object.entries(el._fullLayout)) {
    if (/^[xy]axis\d*$/.test(name) && axis.type === "date" && !axis.tickformat) {
      update[`${name}.tickformat`] = "%-m月%-d日";
      update[`${name}.hoverformat`] = "%Y-%m-%d";
    }
  }
  if (Object.keys(update).length) window.Plotly.relayout(el, update);
}

// Loading state: a bar at the top of the page while a form or link loads the next page.
function busy() { document.body.classList.add("busy"); }

document.addEventListener("DOMContentLoaded", () => {
  drawCharts();
  for (const form of document.querySelectorAll("form[data-loading]")) {
    form.addEventListener("submit", busy);
  }
  for (const link of document.querySelectorAll("nav a, a[data-loading]")) {
    link.addEventListener("click", (event) => { if (!event.ctrlKey && !event.metaKey) busy(); });
  }
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  // Repeatable fields (funnel steps...): a button that clones the last row of its list.
  for (const button of document.querySelectorAll("button[data-add-row]")) {
    button.addEventListener("click", () => {
      const list = document.getElementById(button.dataset.addRow);
      const last = list.querySelector(".row:last-of-type");
      const row = last.cloneNode(true);
      for (const input of row.querySelectorAll("input, select")) input.value = "";
      list.appendChild(row);
      row.querySelector("input, select")?.focus();
    });
  }
  document.addEventListener("click", (event) => {
    const remove = event.target.closest("button[data-remove-row]");
    if (!remove) return;
    const row = remove.closest(".row");
    if (row && row.parentElement.querySelectorAll(".row").length > 1) row.remove();
  });
});

window.journeylens = { csrfToken, drawCharts, busy };

// Funnel builder (funnels): a step may be any of several events, written "A|B". The event
// suggestions (<datalist>) follow the text after the last "|", so each further event is
// picked from the same list as the first. Forms with data-confirm="question" ask first.
document.addEventListener("DOMContentLoaded", () => {
  const original = new Map(); // datalist id -> [{value, label}] as the server sent it
  const suggest = (input) => {
    const list = input.list;
    if (!list) return;
    if (!original.has(list.id)) {
      original.set(list.id, [...list.options].map((o) => ({ value: o.value, label: o.label })));
    }
    const cut = input.value.lastIndexOf("|");
    const prefix = cut < 0 ? "" : input.value.slice(0, cut + 1);
    if (list.dataset.prefix === prefix) return;
    list.dataset.prefix = prefix;
    list.replaceChildren(...original.get(list.id).map(({ value, label }) => {
      const option = document.createElement("option");
      option.value = prefix + value;
      if (label && label !== value) option.label = label;
      return option;
    }));
  };
  for (const type of ["input", "focusin"]) {
    document.addEventListener(type, (event) => {
      if (event.target.matches?.("input[data-any-of]")) suggest(event.target);
    });
  }
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});

// Data pages (live events): <section data-live-stream="URL"> opens a server-sent event
// stream; each message is one new event (JSON), added at the top of [data-live-rows] (text
// only, never HTML; channels and event types labelled from data-labels), and "counts" messages redraw the per-minute bars [data-live-minutes].
function liveStream() {
  const root = document.querySelector("[data-live-stream]");
  if (!root || !window.EventSource) return;
  const rows = root.querySelector("[data-live-rows]");
  const seen = new Set([...rows.querySelectorAll("tr[data-id]")].map((tr) => tr.dataset.id));
  const status = document.querySelector("[data-live-status]");
  const setStatus = (state) => {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = status.dataset[state] || state;
  };
  const cell = (text, className) => {
    const td = document.createElement("td");
    td.textContent = text == null || text === "" ? "–" : String(text);
    td.dir = "auto";
    if (className) td.className = className;
    return td;
  };
  // Channels and event types in the page's language ({"channel": {"web": "网站"}}).
  const labels = JSON.parse(root.dataset.labels || "{}");
  const labelled = (kind, value) => (labels[kind] || {})[value] ?? value;
  let fresh = 0;
  const source = new EventSource(root.dataset.liveStream);
  source.addEventListener("open", () => setStatus("live"));
  source.addEventListener("error", () => {
    setStatus(source.readyState === EventSource.CLOSED ? "closed" : "lost");
  });
  source.addEventListener("message", (message) => {
    const event = JSON.parse(message.data);
    if (seen.has(event.message_id)) return;
    seen.add(event.message_id);
    const tr = document.createElement("tr");
    tr.dataset.id = event.message_id;
    tr.className = "fresh";
    tr.append(
      cell(String(event.received_at).replace("T", " ").slice(0, 19), "when"),
      cell(event.event || event.type), cell(labelled("event_type", event.type)),
      cell(event.user_id || event.anonymous_id), cell(labelled("channel", event.channel)),
      cell(event.source));
    rows.prepend(tr);
    while (rows.children.length > 200) rows.lastElementChild.remove();
    rows.closest("table").hidden = false;
    root.querySelector("[data-live-empty]")?.setAttribute("hidden", "");
    fresh += 1;
    const counter = root.querySelector("[data-live-new]");
    if (counter) {
      counter.textContent = fresh.toLocaleString();
      counter.closest("[data-live-new-wrap]")?.removeAttribute("hidden");
    }
  });
  source.addEventListener("counts", (message) => {
    const minutes = JSON.parse(message.data).per_minute;
    const bars = root.querySelector("[data-live-minutes]");
    const busiest = Math.max(0, ...minutes.map((m) => m.events));
    bars.replaceChildren(...minutes.map(({ minute, events }) => {
      const box = document.createElement("div");
      box.className = "minute";
      box.dataset.minute = minute;
      box.dataset.count = events;
      box.title = (bars.dataset.label || "{minute}: {count}")
        .replace("{minute}", String(minute).slice(11, 16)).replace("{count}", events);
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.height = busiest ? `${(events / busiest) * 100}%` : "0";
      box.append(bar);
      return box;
    }));
    const total = root.querySelector("[data-live-total]");
    if (total) total.textContent = minutes.reduce((sum, m) => sum + m.events, 0).toLocaleString();
    const axis = root.querySelectorAll(".minute-axis span");
    if (axis.length === 2 && minutes.length) {
      axis[0].textContent = String(minutes[0].minute).slice(11, 16);
      axis[1].textContent = `${String(minutes[minutes.length - 1].minute).slice(11, 16)} UTC`;
    }
  });
  window.addEventListener("pagehide", () => source.close());
}
document.addEventListener("DOMContentLoaded", liveStream);

// Readiness: registered last, so it runs after every handler above has drawn the charts and
// bound the controls. Tests (and anything else driving a page) wait for <html data-ready>.
document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.dataset.ready = "true";
});
