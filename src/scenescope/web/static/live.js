// The live page: new pres, nukes and alerts arrive as server-sent events and are added as
// rows built with textContent only (a release name is never parsed as HTML).
"use strict";
(function () {
  const rows = document.getElementById("live-rows");
  const status = document.getElementById("live-status");
  if (!rows) return;
  const MAX_ROWS = 300;

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function cell(content) {
    const td = document.createElement("td");
    if (content instanceof Node) td.appendChild(content);
    else td.textContent = content == null ? "" : String(content);
    return td;
  }

  function addPre(pre) {
    const tr = document.createElement("tr");
    tr.className = "fresh";
    tr.dataset.name = pre.name;
    tr.appendChild(cell(pre.pre_at));
    tr.appendChild(cell(link("/releases/" + encodeURIComponent(pre.name), pre.name)));
    tr.appendChild(cell(pre.group_name ? link("/groups/" + encodeURIComponent(pre.group_name), pre.group_name) : ""));
    tr.appendChild(cell(pre.category));
    tr.appendChild(cell(pre.source));
    tr.appendChild(cell(pre.resolution));
    const leak = document.createElement("span");
    if (pre.leak) {
      leak.className = "badge";
      leak.textContent = "leak " + pre.leak.severity + " (" + pre.leak.lead_days + " d)";
    }
    tr.appendChild(cell(leak));
    rows.insertBefore(tr, rows.firstChild);
    while (rows.children.length > MAX_ROWS) rows.removeChild(rows.lastChild);
  }

  function markNuke(nuke) {
    for (const tr of rows.children) {
      if (tr.dataset.name === nuke.name) {
        tr.lastChild.textContent = nuke.kind + (nuke.reason ? ": " + nuke.reason : "");
      }
    }
  }

  const source = new EventSource("/api/v1/stream");
  source.onopen = function () { status.textContent = "live"; };
  source.onerror = function () { status.textContent = "reconnecting…"; };
  source.addEventListener("pre", function (e) { addPre(JSON.parse(e.data)); });
  source.addEventListener("nuke", function (e) { markNuke(JSON.parse(e.data)); });
  source.addEventListener("alert", function (e) {
    const alert = JSON.parse(e.data);
    status.textContent = "alert: " + alert.rule + " " + alert.release_name;
  });
})();
