// The /reports page: an HTML document with no inline script or style (the
// content security policy allows neither); its module and stylesheet are
// static files of the console's folder (central/ui/savings/), its settings
// (the region's time zone) in a JSON data block. Choose a facility or the
// portfolio and the baseline and reporting periods (shown, editable, their
// defaults explained), see the figures and the baseline vs actual chart,
// download PDF, CSV or JSON. Russian by default, `?lang=en` for English; the
// token is typed into the page's form and kept in the tab's session storage,
// never in the address. At phone width the form's fields stack (reports.css).

/** JSON safe inside a <script> data block. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c");

export function reportsPage(options: { timeZone: string }): string {
  return `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vetra — экономия</title>
<link rel="stylesheet" href="/ui/savings/reports.css">
<script type="application/json" id="reports-config">${scriptJson(options)}</script>
<script type="module" src="/ui/savings/reports.js"></script>
</head>
<body>
<header><h1 data-t="title"></h1><span id="status" class="muted" role="status"></span><a href="/" data-t="console"></a><a id="lang" href="#"></a></header>
<main>
  <section id="login" hidden><form id="tokenForm" method="post" action="#"><label><span data-t="token"></span><input id="token" type="password" autocomplete="off" spellcheck="false" required></label><button data-t="save"></button></form><p id="loginError" class="fail" hidden></p></section>
  <section>
    <form id="query" novalidate>
      <label class="facility"><span data-t="facility"></span><select id="facility"><option value="" data-t="portfolio"></option></select></label>
      <fieldset><legend data-t="reportingPeriod"></legend>
        <label><span data-t="from"></span><input type="date" id="from" required></label>
        <label><span data-t="to"></span><input type="date" id="to" required></label>
      </fieldset>
      <fieldset><legend data-t="baselinePeriod"></legend>
        <label><span data-t="from"></span><input type="date" id="baselineFrom" required></label>
        <label><span data-t="to"></span><input type="date" id="baselineTo" required></label>
      </fieldset>
      <label><span data-t="model"></span><select id="model"><option value="auto" data-t="modelAuto"></option><option value="hourly" data-t="modelHourly"></option><option value="daily" data-t="modelDaily"></option></select></label>
      <button id="show" class="primary" data-t="show"></button>
    </form>
    <p id="periodsNote" class="muted"></p>
    <p id="formError" class="fail" role="alert" hidden></p>
    <p class="dl"><span data-t="download"></span>: <a href="#" data-format="pdf">PDF</a><a href="#" data-format="csv">CSV</a><a href="#" data-format="json">JSON</a></p>
  </section>
  <section id="empty" hidden><p id="emptyText"></p></section>
  <section class="results"><h2 data-t="summary"></h2><p id="periodsShown" class="muted"></p><table><tbody id="summary"></tbody></table><p id="meaning"></p></section>
  <section class="results"><h2 data-t="chart"></h2><div id="chartBox"><svg id="chart" role="img"></svg></div>
    <div class="muted"><span class="key-baseline">━</span> <span data-t="baseline"></span> &nbsp; <span class="key-actual">━</span> <span data-t="actual"></span></div></section>
  <section class="wide results"><h2 data-t="facilities"></h2><table><thead><tr><th data-t="facility"></th><th data-t="model"></th><th data-t="avoided"></th><th data-t="pct"></th><th>CV(RMSE)</th><th>NMBE</th><th>R²</th><th>ASHRAE 14</th><th data-t="quality"></th></tr></thead><tbody id="facilities"></tbody></table></section>
</main>
</body>
</html>
`;
}
