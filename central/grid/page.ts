// The /map page: an HTML document with no inline script or style (the
// content security policy allows neither): the map's module and stylesheet
// are static files of the console's folder (central/ui/map/), Leaflet comes
// from this origin, and the page's settings ride in a JSON data block the
// module reads. Russian by default, `?lang=en` for English. The basemap is
// the shipped one (grid/basemap/, served from this origin) unless the
// operator configured a PMTiles file or a tile server, so the page works
// with no internet at all. At phone width the panel goes below the map
// (map.css); the place field and the Check button come first in it.

export interface MapPageOptions {
  basemapUrl: string | null;
  /** Served at /map/basemap.pmtiles when set. */
  basemapPmtiles: boolean;
  basemapAttribution: string;
  illustrative: boolean;
  voltageClasses: { label: string; max_mw: number | null }[];
}

/** JSON safe inside a <script> data block (no `</script>`, no `<!--`). */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c");

export function mapPage(options: MapPageOptions): string {
  return `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vetra — карта технологического присоединения</title>
<link rel="stylesheet" href="/map/assets/leaflet.css">
<link rel="stylesheet" href="/ui/map/map.css">
<script type="application/json" id="map-config">${scriptJson(options)}</script>
<script src="/map/assets/leaflet.js"></script>
${options.basemapPmtiles ? '<script src="/map/assets/protomaps-leaflet.js"></script>\n' : ""}<script type="module" src="/ui/map/map.js"></script>
</head>
<body>
<header><h1 data-t="title"></h1><span id="status" class="muted" role="status"></span><a id="lang" href="#"></a></header>
<div id="illustrative" hidden data-t="illustrative"></div>
<div id="map" role="application" aria-label="map"></div>
<aside>
  <form id="placeForm" autocomplete="off">
    <label for="place" data-t="place"></label>
    <div class="row"><input id="place" type="search" maxlength="100" spellcheck="false" aria-describedby="placeHint"><button id="placeBtn" type="submit" data-t="searchBtn"></button></div>
    <p id="placeHint" class="muted" data-t="placeHint"></p>
    <ul id="placeResults" class="suggestions" hidden></ul>
  </form>
  <form id="checkForm">
    <p class="site"><span data-t="site"></span>: <b id="site">—</b> <span id="siteName" class="muted"></span></p>
    <div class="row">
      <label><span data-t="mw"></span> <input id="mw" class="mw" type="number" min="0.001" max="10000" step="any" value="25" required></label>
      <label><span data-t="kind"></span> <select id="kind"><option value="generation" data-t="generation"></option><option value="demand" data-t="demand"></option></select></label>
    </div>
    <button id="checkBtn" class="primary" data-t="checkBtn"></button>
  </form>
  <section id="result" aria-live="polite">
    <p id="voltageClass" class="muted"></p>
    <p id="bestLine"></p>
    <div id="compareBox" hidden><h2 data-t="compare"></h2><div class="scroll"><table id="compare"></table></div></div>
    <ul id="options"></ul>
    <p id="answerActions" hidden><button id="printBtn" type="button" data-t="print"></button> <button id="pdfBtn" type="button" data-t="pdf"></button></p>
  </section>
  <details id="explain" open>
    <summary data-t="explainTitle"></summary>
    <dl>
      <dt data-t="n1Term"></dt><dd data-t="n1"></dd>
      <dt data-t="headroomTerm"></dt><dd data-t="headroomExplain"></dd>
      <dt data-t="costTerm"></dt><dd data-t="costExplain"></dd>
      <dt data-t="statusTerm"></dt><dd data-t="statusExplain"></dd>
    </dl>
  </details>
  <h2 data-t="assumptionsTitle"></h2>
  <p class="muted" data-t="assumptions"></p>
  <div class="noprint">
    <h2 data-t="batch"></h2>
    <form id="batchForm"><p class="muted" data-t="batchHint"></p><input id="batchFile" type="file" accept=".csv,text/csv"> <button id="batchBtn" data-t="batchBtn"></button></form>
    <progress id="batchProgress" value="0" max="1" hidden></progress>
    <div id="summary"></div>
    <h2 data-t="monitoring"></h2>
    <p class="muted" id="signedIn" hidden><span data-t="signedIn"></span> <a href="#" id="signOut" data-t="signOut"></a></p>
    <form id="signInForm" method="post" action="#">
      <p class="muted" data-t="signInHint"></p>
      <label><span data-t="token"></span> <input id="token" type="password" autocomplete="off" spellcheck="false" required></label>
      <button id="signInBtn" data-t="signIn"></button>
    </form>
  </div>
</aside>
</body>
</html>
`;
}
