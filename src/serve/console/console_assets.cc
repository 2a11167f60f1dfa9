// The stylesheet (see console_assets.h). Colours are chosen for contrast
// (WCAG AA against their background); the chart's series colours are classes
// so the SVG needs no inline style, which the CSP would refuse.
#include "serve/console/console_assets.h"

namespace rcptguard {

std::string_view ConsoleStylesheet() {
  static constexpr char kCss[] = R"css(
:root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f6f7f9; }
body { margin: 0; }
header { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.2rem;
         background: #1f3a5f; color: #fff; }
header a { color: #dfe9f5; text-decoration: none; }
header a[aria-current=page] { color: #fff; font-weight: 600; border-bottom: 2px solid #fff; }
header nav { display: flex; gap: 1rem; flex: 1; }
.brand { font-weight: 700; letter-spacing: .02em; }
.logout { display: flex; align-items: center; gap: .5rem; margin: 0; }
main { padding: 1rem 1.2rem; max-width: 80rem; }
h1 { font-size: 1.4rem; margin: .3rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #d8dde3;
         vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
form.filter { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin-bottom: 1rem; }
label { display: flex; flex-direction: column; font-size: .85rem; gap: .2rem; }
input, select, textarea, button { font: inherit; }
input[type=text], input[type=password], textarea { padding: .3rem .4rem; border: 1px solid #8a949e;
         border-radius: 3px; }
button { padding: .3rem .8rem; border: 1px solid #1f3a5f; background: #1f3a5f; color: #fff;
         border-radius: 3px; cursor: pointer; }
button.danger { background: #a4262c; border-color: #a4262c; }
.notice { padding: .5rem .8rem; background: #e6f2e6; border-left: 4px solid #2e7d32; margin: 0 0 1rem; }
.error { padding: .5rem .8rem; background: #fbeaea; border-left: 4px solid #a4262c; margin: 0 0 1rem; }
.muted { color: #59636e; }
.pager { display: flex; gap: 1rem; margin: .8rem 0; }
.actions { display: flex; flex-wrap: wrap; gap: 2rem; margin-top: 1rem; }
.actions form { display: flex; flex-direction: column; gap: .4rem; min-width: 20rem; }
.login { max-width: 22rem; display: flex; flex-direction: column; gap: .7rem; }
.verdict-hold, .verdict-reject { color: #a4262c; font-weight: 600; }
.verdict-warn { color: #8a5a00; font-weight: 600; }
svg.chart { background: #fff; border: 1px solid #d8dde3; max-width: 100%; height: auto; }
svg.chart text { font-size: 11px; fill: #3d4651; }
svg.chart .axis { stroke: #8a949e; stroke-width: 1; }
svg.chart .grid { stroke: #e3e7eb; stroke-width: 1; }
.s0 { fill: #1f77b4; } .s1 { fill: #d62728; } .s2 { fill: #2ca02c; } .s3 { fill: #9467bd; }
.s4 { fill: #ff7f0e; } .s5 { fill: #8c564b; } .s6 { fill: #e377c2; } .s7 { fill: #7f7f7f; }
.legend { display: flex; flex-wrap: wrap; gap: 1rem; font-size: .85rem; margin: .4rem 0; }
.legend svg { vertical-align: middle; }
)css";
  return {kCss, sizeof(kCss) - 1};
}

}  // namespace rcptguard
