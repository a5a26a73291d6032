// journeylens web UI: the little JavaScript the pages need. No inline scripts (CSP):
// pages hand data over in <script type="application/json"> blocks that this file reads.
"use strict";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

// Charts: <div class="chart" data-chart="ID"> + <script type="application/json" id="ID">
// holding a plotly.js {data, layout}. plotly.min.js is loaded only by pages that draw.
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
    window.Plotly.newPlot(el, spec.data, layout, { displaylogo: false, responsive: true });
    el.dataset.drawn = "true";
  }
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
