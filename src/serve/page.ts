/**
 * The page `ner serve` shows at /: one self-contained HTML document (inline
 * style and script, nothing fetched but the API), so it works offline.
 * Entities are marked in the text as typed, by character offsets, one colour
 * per type, confidence in the tooltip and as a small figure.
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ner</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  textarea { width: 100%; min-height: 8rem; font: inherit; padding: .5rem; box-sizing: border-box; }
  button { font: inherit; padding: .3rem 1rem; margin: .5rem 0; }
  #output { white-space: pre-wrap; border-top: 1px solid #ddd; padding-top: 1rem; }
  mark { border-radius: .25rem; padding: 0 .15rem; }
  mark sup { font-size: .65em; margin-left: .15rem; opacity: .7; }
  mark small { font-size: .65em; font-weight: 600; margin-left: .2rem; }
  #legend span { margin-right: .75rem; }
  #status { color: #666; min-height: 1.5em; }
</style>
</head>
<body>
<h1>ner</h1>
<p id="about"></p>
<textarea id="text" aria-label="text to tag">Angela Merkel met executives of Siemens in Munich on Tuesday. Emmanuel Macron flew to Berlin.</textarea>
<div><button id="tag">Tag</button> <label><input type="checkbox" id="local"> run the model in this browser</label> <span id="status"></span></div>
<div id="legend"></div>
<div id="output"></div>
<script>
const PALETTE = ['#ffd6a5', '#caffbf', '#9bf6ff', '#bdb2ff', '#ffc6ff', '#fdffb6', '#ffadad', '#a0c4ff'];
const colours = {};
const colour = (type) => colours[type] || (colours[type] = PALETTE[Object.keys(colours).length % PALETTE.length]);
const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** The lines of the text with each record's entities marked (offsets are into its line). */
function render(text, records) {
  const lines = text.split(/\\r\\n|\\r|\\n/);
  const byLine = lines.map(() => []);
  for (const r of records) for (const e of r.entities) byLine[r.line - 1].push(e);
  return lines.map((line, i) => {
    let html = '', at = 0;
    for (const e of byLine[i].sort((a, b) => a.charStart - b.charStart)) {
      const c = e.confidence === undefined ? '' : ' ' + e.confidence.toFixed(2);
      html += escape(line.slice(at, e.charStart));
      html += '<mark class="entity" data-type="' + escape(e.type) + '" title="' + escape(e.type + c) + '" style="background:' + colour(e.type) + '">' +
        escape(line.slice(e.charStart, e.charEnd)) + '<small>' + escape(e.type) + '</small>' + (c ? '<sup>' + c.trim() + '</sup>' : '') + '</mark>';
      at = e.charEnd;
    }
    return html + escape(line.slice(at));
  }).join('\\n');
}

let local;
/** The model loaded into the page with the browser bundle (tfjs), once. */
function localTagger() {
  if (!local) {
    local = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = 'ner.js';
      script.onload = () => ner.loadModel('model/').then(resolve, reject);
      script.onerror = () => reject(new Error('could not load ner.js'));
      document.head.appendChild(script);
    });
  }
  return local;
}

async function predict(text) {
  if (document.getElementById('local').checked) {
    const tagger = await localTagger(); // defines ner on first use
    return ner.tagText(tagger, text);
  }
  const res = await fetch('api/predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

async function tag() {
  const text = document.getElementById('text').value;
  const status = document.getElementById('status');
  status.textContent = 'tagging…';
  try {
    const body = await predict(text);
    document.getElementById('output').innerHTML = render(text, body);
    const types = [...new Set(body.flatMap((r) => r.entities.map((e) => e.type)))];
    document.getElementById('legend').innerHTML = types.map((t) => '<span><mark style="background:' + colour(t) + '">' + escape(t) + '</mark></span>').join('');
    status.textContent = body.reduce((n, r) => n + r.entities.length, 0) + ' entities' + (document.getElementById('local').checked ? ' (tagged in the browser)' : '');
    window.lastRecords = body;
  } catch (err) {
    status.textContent = 'error: ' + err.message;
  }
}

document.getElementById('tag').addEventListener('click', tag);
fetch('api/model').then((r) => r.json()).then((m) => {
  document.getElementById('about').textContent = 'Model: ' + m.tags.length + ' tags (' + m.scheme + '), ' + m.vocabularySize + ' words' +
    (m.training && m.training.bestDev ? ', dev F1 ' + m.training.bestDev.f1.toFixed(2) : '') + '.';
  for (const t of m.tags) if (t !== 'O') colour(t.slice(2));
});
</script>
</body>
</html>
`;
