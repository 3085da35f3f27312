// The /reports page: an HTML document with no inline script or style (the
// content security policy allows neither); its module and stylesheet are
// static files of the console's folder (central/ui/savings/). Choose a
// facility or the portfolio and the periods, see the figures and the
// baseline vs actual chart, download PDF, CSV or JSON. Russian by default,
// `?lang=en` for English; the token is typed into the page's form and kept in
// the tab's session storage, never in the address.

export const REPORTS_PAGE = `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vetra — экономия</title>
<link rel="stylesheet" href="/ui/savings/reports.css">
<script type="module" src="/ui/savings/reports.js"></script>
</head>
<body>
<header><h1 data-t="title"></h1><span id="status" class="muted"></span><a href="/" data-t="console"></a><a id="lang" href="#"></a></header>
<main>
  <section id="login" hidden><form id="tokenForm" method="post" action="#"><label><span data-t="token"></span><input id="token" type="password" size="50" autocomplete="off" spellcheck="false" required></label><button data-t="save"></button></form><p id="loginError" class="fail" hidden></p></section>
  <section>
    <form id="query">
      <label><span data-t="facility"></span><select id="facility"><option value="" data-t="portfolio"></option></select></label>
      <label><span data-t="from"></span><input type="date" id="from"></label>
      <label><span data-t="to"></span><input type="date" id="to"></label>
      <label><span data-t="model"></span><select id="model"><option value="auto">auto</option><option value="hourly">hourly</option><option value="daily">daily</option></select></label>
      <button id="show" data-t="show"></button>
    </form>
    <p class="dl"><span data-t="download"></span>: <a href="#" data-format="pdf">PDF</a><a href="#" data-format="csv">CSV</a><a href="#" data-format="json">JSON</a></p>
  </section>
  <section><h2 data-t="summary"></h2><table><tbody id="summary"></tbody></table></section>
  <section><h2 data-t="chart"></h2><svg id="chart" viewBox="0 0 800 260" preserveAspectRatio="none" role="img"></svg>
    <div class="muted"><span class="key-baseline">━</span> <span data-t="baseline"></span> &nbsp; <span class="key-actual">━</span> <span data-t="actual"></span></div></section>
  <section class="wide"><h2 data-t="facilities"></h2><table><thead><tr><th data-t="facility"></th><th data-t="model"></th><th data-t="avoided"></th><th data-t="pct"></th><th>CV(RMSE)</th><th>NMBE</th><th>R²</th><th>ASHRAE 14</th><th data-t="quality"></th></tr></thead><tbody id="facilities"></tbody></table></section>
</main>
</body>
</html>
`;
