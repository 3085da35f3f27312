// The /map page: an HTML document with no inline script or style (the
// content security policy allows neither): the map's module and stylesheet
// are static files of the console's folder (central/ui/map/), Leaflet comes
// from this origin, and the page's settings ride in a JSON data block the
// module reads. Russian by default, `?lang=en` for English. With no basemap
// configured the map is a plain background with the vector layers, so it
// works with no internet at all.

export interface MapPageOptions {
  basemapUrl: string | null;
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
<script type="module" src="/ui/map/map.js"></script>
</head>
<body>
<header><h1 data-t="title"></h1><span id="status" class="muted"></span><a id="lang" href="#"></a></header>
<div id="illustrative" hidden data-t="illustrative"></div>
<div id="map"></div>
<aside>
  <div id="searchBox"><label><span data-t="search"></span> <input id="search" list="names" autocomplete="off" size="28"></label><datalist id="names"></datalist></div>
  <h2 data-t="check"></h2>
  <p class="muted" data-t="clickHint"></p>
  <form id="checkForm">
    <label><span data-t="site"></span>: <span id="site">—</span></label>
    <label><span data-t="mw"></span> <input id="mw" class="mw" type="number" min="0.001" step="any" value="25" required></label>
    <label><span data-t="kind"></span> <select id="kind"><option value="generation" data-t="generation"></option><option value="demand" data-t="demand"></option></select></label>
    <button id="checkBtn" data-t="checkBtn"></button>
  </form>
  <p id="voltageClass" class="muted"></p>
  <ul id="options"></ul>
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
  <h2 data-t="assumptionsTitle"></h2>
  <p class="muted" data-t="assumptions"></p>
</aside>
</body>
</html>
`;
}
