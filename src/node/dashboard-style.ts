/** The dashboard's stylesheet, inlined into the page (the CSP allows inline styles, no other source). */
export const DASHBOARD_STYLE = `
:root{--ink:#1d2330;--muted:#6b7385;--line:#e4e7ee;--bg:#f5f6f9;--card:#fff;--accent:#2f6fde;--live:#1a7f45;--suspect:#b26a00;--gone:#a3313a}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--ink);background:var(--bg)}
header.top{background:var(--card);border-bottom:1px solid var(--line);padding:1rem 1.5rem .8rem}
h1{font-size:1.3rem;margin:0;font-weight:650}h1 .count{font-size:.95rem;font-weight:500;color:var(--muted);margin-left:.4rem}
.conn{margin:.35rem 0 0}
main{max-width:78rem;margin:0 auto;padding:1rem 1.5rem 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.9rem 1.1rem 1rem;margin-bottom:1rem;min-width:0}
.two{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:1rem}.two>.card{margin-bottom:1rem}
@media (max-width:900px){.two{grid-template-columns:1fr}}
h2{font-size:1rem;margin:0 0 .6rem;font-weight:650}h3{font-size:.85rem;margin:.9rem 0 .3rem;color:var(--muted);font-weight:600}
.note{font-weight:400;color:var(--muted);font-size:.85rem;margin-left:.3rem}
table{border-collapse:collapse;width:100%}
td,th{padding:.45rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
tbody tr:last-child td{border-bottom:0}
tr.current td{background:#f2f7ff}tr.gone td{opacity:.55}
.kv th{font-weight:500;color:var(--muted);width:11rem}.kv td{font-size:.85rem}.kv tr.bad td{color:var(--muted)}
.muted{color:var(--muted)}.small{font-size:.8rem}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.time{font-family:ui-monospace,"SFMono-Regular",Menlo,monospace}
.pill{display:inline-block;padding:.05rem .55rem;border-radius:999px;font-size:.78rem;font-weight:600;background:#eceef3;color:var(--muted)}
.pill.live{background:#e3f4ea;color:var(--live)}.pill.suspect{background:#fdf0dc;color:var(--suspect)}.pill.gone{background:#f9e3e5;color:var(--gone)}
.chip{display:inline-block;padding:0 .45rem;margin:0 .25rem .15rem 0;border:1px solid var(--line);border-radius:6px;font-size:.78rem;background:#fafbfc}
.chip.here{border-color:#c9dbfb;color:var(--accent);margin-left:.4rem}
.agent+.agent{margin-top:.2rem}
.room-list{list-style:none;margin:0;padding:0}
.room-list li+li{margin-top:.35rem}
.room-list button{all:unset;box-sizing:border-box;display:flex;flex-wrap:wrap;gap:.15rem .6rem;align-items:baseline;width:100%;padding:.45rem .65rem;border:1px solid var(--line);border-radius:8px;cursor:pointer}
.room-list button:hover,.room-list button:focus-visible{border-color:#b9c6e0;background:#fafcff}
.room-list li.current button{border-color:var(--accent);background:#f2f7ff}
.shared-type+.shared-type{margin-top:.8rem}
.shared-type header{display:flex;gap:.5rem;align-items:baseline;margin-bottom:.3rem}
.shared-type pre{margin:0;white-space:pre-wrap;word-break:break-word;background:#f7f8fa;border:1px solid var(--line);border-radius:8px;padding:.6rem .75rem;max-height:28rem;overflow:auto;font-size:.85rem}
ol.log{list-style:none;margin:0;padding:0;max-height:22rem;overflow:auto;font-size:.85rem}
ol.log li{padding:.25rem 0;border-bottom:1px solid #f0f1f5;display:flex;gap:.6rem;align-items:baseline}
ol.log li.divider{display:block;color:var(--muted);font-size:.78rem;border-bottom:1px dashed #cfd4de;padding:.5rem 0 .3rem}
ol.log li.before-load{color:#4a5163}
.time{color:var(--muted);font-size:.8rem;flex:none}
.kind{flex:none;width:5.2rem;font-size:.72rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
.kind.peer-joined,.kind.peer-returned{color:var(--live)}.kind.peer-left,.kind.agent-left{color:var(--gone)}.kind.messages{color:var(--accent)}
footer{max-width:78rem;margin:0 auto;padding:.2rem 1.5rem 1.5rem;font-size:.8rem}
`
