/* gantry run report: draws the page from the JSON in #gantry-data with uPlot.
 *
 * The C++ side (gantry report) puts uPlot, this file and the run data into
 * assets/report/report.html; the result is one file that works offline.
 *
 * DOM contract (read by tests and scripts/report-check, keep it stable):
 *  - every chart sits in <div class="gantry-chart" data-chart="NAME">, NAME one of
 *    losses, d_outputs, value, lr, speed, metric:KEY, eval:KEY,
 *    d_hist:RUN, toy2d:RUN, toy1d:RUN, dirac:RUN, jacobian:RUN;
 *  - once drawn, that div's data-series is a JSON object: data series label ->
 *    number of non-null points uPlot holds for it (reference lines left out);
 *    curve charts label their series "KEY · RUN";
 *  - each slider is <input type="range" class="gantry-slider" data-for="samples:RUN">
 *    (or snapshots:RUN, jacobian:RUN) inside <div class="gantry-player" data-for=...>
 *    with one .gantry-step element whose data-step is the step shown; the
 *    sample picture is <img class="gantry-sample" data-run data-step>;
 *  - when all is drawn body.dataset.ready = "1", then body.dataset.renderMs.
 */
(function () {
  'use strict';

  const DATA = JSON.parse(document.getElementById('gantry-data').textContent);
  const RUNS = Array.isArray(DATA.runs) ? DATA.runs : [];
  const MULTI = RUNS.length > 1;

  // Colour-blind-friendly categorical palette (Tableau 10, reordered so the
  // first two, the usual D/G pair, contrast well).
  const PALETTE = ['#4e79a7', '#e15759', '#59a14f', '#f28e2b', '#b07aa1',
    '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];
  // With several runs the colour names the run and the dash names the key.
  const DASHES = [[], [7, 4], [2, 3], [10, 3, 2, 3]];
  const REF_COLOUR = '#7a8594';
  const CHART_HEIGHT = 240;

  // The curve charts that come first, in this order; every other numeric
  // metrics key gets its own chart after them.
  const FIXED_CHARTS = [
    { name: 'losses', title: 'Losses', keys: ['d_loss', 'g_loss'] },
    { name: 'd_outputs', title: 'D(x) and D(G(z))', keys: ['d_real', 'd_fake'], ref: 'd', refLabel: 'D = ½' },
    { name: 'value', title: 'Value of the game', keys: ['value'], ref: 'value', refLabel: 'equilibrium −log 4' },
    { name: 'lr', title: 'Learning rates', keys: ['lr_d', 'lr_g'] },
    { name: 'speed', title: 'Steps per second', keys: ['steps_per_s'] },
  ];

  const state = { smoothing: 0, logY: false };
  const curveCharts = [];   // rebuilt on the log toggle, re-fed on smoothing
  const allPlots = [];      // {chart, el, height, square} for resizing
  const pending = [];       // promises the ready flag waits for

  // ---------- small helpers ----------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else if (k === 'style') node.style.cssText = v;
      else node[k] = v;
    }
    for (const c of children) if (c != null) node.append(c);
    return node;
  }

  function recordError(text) {
    console.error(text);
    if (window.gantryRecordError) window.gantryRecordError(text);
  }

  // Numbers for people: 4 significant digits, exponents only when needed.
  function fmt(v) {
    if (v == null || v === '') return '—';
    if (typeof v !== 'number') return String(v);
    if (!isFinite(v)) return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
    return String(Number(v.toPrecision(5)));
  }

  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function countNonNull(arr) {
    let n = 0;
    for (const v of arr) if (v != null) n++;
    return n;
  }
  function lastNonNull(arr) {
    if (!arr) return null;
    for (let i = arr.length - 1; i >= 0; i--) if (arr[i] != null) return arr[i];
    return null;
  }
  function runColour(ri) { return PALETTE[ri % PALETTE.length]; }
  function fade(hex, alpha) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`;
  }
  function runChip(ri) {
    return el('span', { class: 'run-chip', style: `--run-colour:${runColour(ri)}`, text: RUNS[ri].name });
  }

  // Keys of a columnar table (metrics or evals) that hold numbers.
  function numericKeys(table) {
    if (!table || typeof table !== 'object') return [];
    return Object.keys(table).filter(k => k !== 'step' && Array.isArray(table[k]) &&
      table[k].some(v => typeof v === 'number'));
  }

  // Union of keys over runs, in first-seen order.
  function unionKeys(source) {
    const seen = new Set();
    for (const run of RUNS) for (const k of numericKeys(run[source])) seen.add(k);
    return [...seen];
  }

  // ---------- the chart card and uPlot plumbing ----------

  function chartCard(name, title, note) {
    const div = el('div', { class: 'gantry-chart', 'data-chart': name });
    const noteEl = el('span', { class: 'note', text: note || '' });
    const card = el('div', { class: 'card chart-card' }, el('h3', null, el('span', { text: title }), noteEl), div);
    return { card, div, noteEl };
  }

  // Builds one uPlot into div (replacing an earlier one) and publishes its
  // series counts; an error only loses this chart, not the page.
  function plot(div, opts, data, seriesCount, sizing) {
    try {
      const width = Math.max(200, div.clientWidth || 500);
      const height = sizing && sizing.square ? Math.min(width, sizing.square) : (sizing && sizing.height) || CHART_HEIGHT;
      opts.width = sizing && sizing.square ? height : width;
      opts.height = height;
      div.textContent = '';
      const u = new uPlot(opts, data, div);
      div.dataset.series = JSON.stringify(seriesCount(u));
      const entry = allPlots.find(p => p.div === div);
      if (entry) entry.u = u;
      else allPlots.push({ div, u, sizing });
      return u;
    } catch (e) {
      div.textContent = '';
      div.append(el('div', { class: 'chart-error', text: `chart failed: ${e.message}` }));
      recordError(`chart ${div.dataset.chart}: ${e.stack || e}`);
      return null;
    }
  }

  // Counts for mode-1 charts: series flagged with .count get counted.
  function countSeries1(u) {
    const out = {};
    u.series.forEach((s, i) => { if (i > 0 && s.count) out[s.label] = countNonNull(u.data[i]); });
    return out;
  }
  // Counts for mode-2 (x, y) charts: points whose x and y are both present.
  function countSeries2(u) {
    const out = {};
    u.series.forEach((s, i) => {
      if (i === 0 || !s.count) return;
      const [xs, ys] = u.data[i];
      let n = 0;
      for (let k = 0; k < xs.length; k++) if (xs[k] != null && ys[k] != null) n++;
      out[s.label] = n;
    });
    return out;
  }

  function axis(opts) {
    return Object.assign({
      stroke: '#5f6b7a',
      grid: { stroke: '#eceef1', width: 1 },
      ticks: { stroke: '#d5d9df', width: 1, size: 4 },
      font: '11px system-ui, sans-serif',
      labelFont: '12px system-ui, sans-serif',
    }, opts || {});
  }
  const legendValue = (u, v) => fmt(v);

  // Tick labels with as many decimals as the tick spacing needs (uPlot's
  // default shows 0.0001 steps as "0"); exponents for tiny or huge values.
  function ticks(u, splits, axisIdx, space, incr) {
    const scale = u.scales[u.axes[axisIdx].scale];
    // Log axes: uPlot nulls the splits it leaves unlabelled.
    if (scale && scale.distr === 3) return splits.map(v => (v == null ? '' : String(Number(v.toPrecision(4)))));
    const big = Math.max(...splits.map(v => Math.abs(v || 0)));
    if (big !== 0 && (big < 1e-3 || big >= 1e6)) {
      const digits = Math.max(0, Math.min(4, Math.ceil(Math.log10(big / incr) - 1e-9)));
      return splits.map(v => (v === 0 ? '0' : v.toExponential(digits)));
    }
    let decimals = 0;
    while (decimals < 12 && Math.abs(Math.round(incr * 10 ** decimals) - incr * 10 ** decimals) > 1e-6) decimals++;
    return splits.map(v => v.toFixed(decimals));
  }

  // ---------- curve charts (steps on x) ----------

  // TensorBoard's smoothing: an exponential moving average whose early
  // values are divided by (1 - w^n), so the curve does not start at zero.
  // Nulls stay nulls (a line that lacked the key).
  function smooth(ys, w) {
    if (!(w > 0)) return ys;
    const out = new Array(ys.length);
    let last = 0, n = 0;
    for (let i = 0; i < ys.length; i++) {
      const y = ys[i];
      if (!isNum(y)) { out[i] = y; continue; }
      last = last * w + (1 - w) * y;
      n++;
      out[i] = last / (1 - Math.pow(w, n));
    }
    return out;
  }

  // One table per run: [steps, ...columns]; then aligned on steps. uPlot.join
  // merges equal steps into one row (so the legend shows every run at a step)
  // but assumes strictly increasing steps; a resumed run can repeat steps,
  // then every line keeps its own row instead.
  function alignRuns(tables) {
    const increasing = t => t[0].every((x, i) => i === 0 || x > t[0][i - 1]);
    if (tables.length === 1 && increasing(tables[0])) return tables[0].map(c => c.slice());
    if (tables.every(increasing)) return uPlot.join(tables);
    const rows = [];
    tables.forEach((t, ti) => t[0].forEach((x, i) => rows.push([x, ti, i])));
    rows.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    const out = [rows.map(r => r[0])];
    tables.forEach((t, ti) => {
      for (let c = 1; c < t.length; c++) out.push(rows.map(r => (r[1] === ti ? t[c][r[2]] : undefined)));
    });
    return out;
  }

  // Gathers the series of one curve chart: for each run, each key it has.
  function curveSeries(spec) {
    const tables = [], meta = [];
    RUNS.forEach((run, ri) => {
      const src = run[spec.source];
      if (!src || !Array.isArray(src.step)) return;
      const cols = [src.step];
      spec.keys.forEach((key, ki) => {
        if (!Array.isArray(src[key]) || src[key].length !== src.step.length) return;
        cols.push(src[key].map(v => (isNum(v) ? v : null)));
        meta.push({ key, ki, ri, label: `${key} · ${run.name}` });
      });
      if (cols.length > 1) tables.push(cols);
    });
    if (!meta.length) return null;
    return { raw: alignRuns(tables), meta };
  }

  // Reference values (flat dashed lines) from runs' "references".
  function referenceLines(spec) {
    if (!spec.ref) return [];
    const vals = [];
    RUNS.forEach(run => {
      const v = run.references && run.references[spec.ref];
      if (isNum(v) && !vals.includes(v)) vals.push(v);
    });
    return vals.map(v => ({ value: v, label: vals.length > 1 ? `${spec.refLabel} (${fmt(v)})` : spec.refLabel }));
  }

  function makeCurveChart(spec, parent) {
    const series = curveSeries(spec);
    if (!series) return;
    const refs = referenceLines(spec);
    const { card, div, noteEl } = chartCard(spec.name, spec.title);
    parent.append(card);
    const chart = { spec, series, refs, div, noteEl, u: null };
    curveCharts.push(chart);
    buildCurveChart(chart);
  }

  // Column order: x, then per series (raw, smoothed), then reference lines.
  // The raw copy is drawn first, faint, under its smoothed line.
  function curveData(chart) {
    const { raw, meta } = chart.series;
    const data = [raw[0]];
    meta.forEach((m, i) => { data.push(raw[i + 1], smooth(raw[i + 1], state.smoothing)); });
    chart.refs.forEach(r => data.push(raw[0].map(() => r.value)));
    return data;
  }

  // Log axes only where every value (and reference) is positive.
  function canLog(chart) {
    const { raw } = chart.series;
    for (let c = 1; c < raw.length; c++) for (const v of raw[c]) if (v != null && !(v > 0)) return false;
    return chart.refs.every(r => r.value > 0);
  }

  function buildCurveChart(chart) {
    const { meta } = chart.series;
    const logY = state.logY && canLog(chart);
    chart.noteEl.textContent = state.logY && !logY ? 'linear: has values ≤ 0' : '';
    const colourOf = m => (MULTI ? runColour(m.ri) : PALETTE[m.ki % PALETTE.length]);
    const dashOf = m => (MULTI ? DASHES[m.ki % DASHES.length] : []);
    const series = [{ label: 'step', value: (u, v) => fmt(v) }];
    meta.forEach(m => {
      const c = colourOf(m);
      series.push({ label: m.label + ' (raw)', stroke: fade(c, 0.22), width: 1, dash: dashOf(m),
        spanGaps: true, points: { show: false }, value: legendValue, raw: true });
      series.push({ label: m.label, stroke: c, width: 1.6, dash: dashOf(m), spanGaps: true,
        points: { show: false }, count: true, value: smoothedValue });
    });
    chart.refs.forEach(r => series.push({ label: r.label, stroke: REF_COLOUR, width: 1.2, dash: [5, 5],
      points: { show: false }, value: () => fmt(r.value) }));
    const opts = {
      series,
      scales: { x: { time: false }, y: logY ? { distr: 3, log: 10, range: logRange } : {} },
      axes: [axis({ label: 'step' }), axis({ size: 62, values: ticks })],
      cursor: { sync: { key: 'gantry-steps' }, drag: { x: true, y: false }, focus: { prox: 24 } },
      focus: { alpha: 0.35 },
      legend: { live: true },
      hooks: { setSeries: [mirrorRawVisibility], ready: [hideRawLegendRows] },
    };
    if (chart.u) chart.u.destroy();
    chart.u = plot(chart.div, opts, curveData(chart), countSeries1);
  }

  // uPlot's log range snaps out to whole decades, flattening the curves;
  // instead a small margin out to the next k·10^m (uPlot labels the ends).
  function logRange(u, min, max) {
    if (min == null || max == null) return [1, 10];
    if (min === max) { min /= 2; max *= 2; }
    const mag = v => Math.pow(10, Math.floor(Math.log10(v)));
    const lo = min / 1.05, hi = max * 1.05;
    return [Math.floor(lo / mag(lo)) * mag(lo), Math.ceil(hi / mag(hi)) * mag(hi)];
  }

  // The legend shows the smoothed value and, when smoothing, the raw one.
  function smoothedValue(u, v, si, idx) {
    if (idx == null || v == null) return fmt(v);
    if (!(state.smoothing > 0)) return fmt(v);
    return `${fmt(v)} (raw ${fmt(u.data[si - 1][idx])})`;
  }

  function hideRawLegendRows(u) {
    const rows = u.root.querySelectorAll('.u-legend .u-series');
    u.series.forEach((s, i) => { if (s.raw && rows[i]) rows[i].classList.add('gantry-hidden'); });
  }

  // Hiding a curve from the legend also hides its faint raw copy.
  function mirrorRawVisibility(u, si, opts) {
    if (si == null || !opts || opts.show == null) return;
    const raw = u.series[si - 1];
    if (raw && raw.raw && raw.show !== opts.show) u.setSeries(si - 1, { show: opts.show });
  }

  function applySmoothing() {
    for (const chart of curveCharts) {
      if (!chart.u) continue;
      const x = chart.u.scales.x;
      const zoomed = [x.min, x.max];
      chart.u.setData(curveData(chart), false);
      chart.u.setScale('x', { min: zoomed[0], max: zoomed[1] });
    }
  }

  function rebuildCurveCharts() {
    for (const chart of curveCharts) buildCurveChart(chart);
  }

  // ---------- page sections ----------

  function section(title, ...children) {
    const h = el('h2');
    if (typeof title === 'string') h.textContent = title;
    else h.append(...title);
    return el('section', { class: 'block' }, h, ...children);
  }

  function header() {
    // The title is set here, so the title placeholder occurs once in the template.
    document.getElementById('page-title').textContent = DATA.title || document.title;
    const meta = document.getElementById('page-meta');
    if (DATA.generated) meta.append(`generated ${DATA.generated} · `);
    meta.append(`${RUNS.length} run${RUNS.length === 1 ? '' : 's'}: `);
    RUNS.forEach((_, ri) => meta.append(runChip(ri)));
  }

  function factsCard(run, ri) {
    const rows = [['path', run.path]].concat(Object.entries(run.facts || {}));
    const table = el('table', { class: 'kv' },
      el('tbody', null, ...rows.map(([k, v]) => el('tr', null, el('th', { scope: 'row', text: k }),
        el('td', { text: typeof v === 'object' && v !== null ? JSON.stringify(v) : fmt(v) })))));
    const card = el('div', { class: 'card' }, el('h3', null, runChip(ri)), table);
    if (run.config) {
      card.append(el('details', { class: 'config' },
        el('summary', { text: 'Resolved config.toml' }), el('pre', { text: run.config })));
    }
    return card;
  }

  // Last values side by side: one row per key, one column per run.
  function finalValuesCard(trainKeys, evalKeys) {
    const head = el('tr', null, el('th', { text: 'key' }),
      ...RUNS.map((_, ri) => el('th', { scope: 'col' }, runChip(ri))));
    const body = el('tbody');
    const group = (title, source, keys) => {
      if (!keys.length) return;
      body.append(el('tr', { class: 'group' }, el('th', { colSpan: RUNS.length + 1, text: title })));
      const stepRow = ['last step', ...RUNS.map(r => lastNonNull(r[source] && r[source].step))];
      body.append(row(stepRow));
      for (const k of keys) body.append(row([k, ...RUNS.map(r => lastNonNull(r[source] && r[source][k]))]));
    };
    const row = ([k, ...vals]) => el('tr', null, el('th', { scope: 'row', text: k }),
      ...vals.map(v => el('td', { text: fmt(v) })));
    group('training (last logged value)', 'metrics', trainKeys);
    group('evaluations (last value)', 'evals', evalKeys);
    return el('div', { class: 'card table-scroll' }, MULTI ? null : el('h3', { text: 'Final values' }),
      el('table', { class: 'values' }, el('thead', null, head), body));
  }

  // Charts are built once their grid is in the page: uPlot needs the width.
  function curveSections(main, summaryParent) {
    const trainKeys = unionKeys('metrics');
    const evalKeys = unionKeys('evals');
    const fixedKeys = new Set(FIXED_CHARTS.flatMap(c => c.keys));
    const otherKeys = trainKeys.filter(k => !fixedKeys.has(k));
    const ordered = FIXED_CHARTS.flatMap(c => c.keys).filter(k => trainKeys.includes(k)).concat(otherKeys);
    summaryParent.append(finalValuesCard(ordered, evalKeys));

    const grid = el('div', { class: 'grid' });
    const curves = section('Training curves', grid);
    main.append(curves);
    for (const spec of FIXED_CHARTS) makeCurveChart(Object.assign({ source: 'metrics' }, spec), grid);
    for (const key of otherKeys) makeCurveChart({ name: `metric:${key}`, title: key, keys: [key], source: 'metrics' }, grid);
    if (!grid.childElementCount) curves.remove();

    const evalGrid = el('div', { class: 'grid' });
    const evals = section('Evaluations', evalGrid);
    main.append(evals);
    for (const key of evalKeys) makeCurveChart({ name: `eval:${key}`, title: key, keys: [key], source: 'evals' }, evalGrid);
    if (!evalGrid.childElementCount) evals.remove();
  }

  // ---------- sliders ----------

  // A slider over items with steps; show(i) draws item i. Starts at the last.
  function player(forName, items, show) {
    const slider = el('input', { type: 'range', class: 'gantry-slider', 'data-for': forName,
      min: 0, max: Math.max(0, items.length - 1), step: 1, value: Math.max(0, items.length - 1) });
    const label = el('span', { class: 'gantry-step' });
    const update = () => {
      const i = Number(slider.value);
      label.dataset.step = String(items[i].step);
      label.textContent = `step ${items[i].step}  (${i + 1} of ${items.length})`;
      show(i);
    };
    let queued = false;
    slider.addEventListener('input', () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; update(); });
    });
    const box = el('div', { class: 'gantry-player', 'data-for': forName }, el('div', { class: 'player-bar' }, slider, label));
    return { box, update };
  }

  function samplesCard(run) {
    const samples = (run.samples || []).filter(s => s && s.src);
    if (!samples.length) return null;
    const img = el('img', { class: 'gantry-sample', alt: `samples of ${run.name}`, 'data-run': run.name });
    const p = player(`samples:${run.name}`, samples, i => {
      img.src = samples[i].src;
      img.dataset.step = String(samples[i].step);
    });
    p.box.append(img);
    p.update();
    pending.push(img.decode().catch(() => recordError(`sample picture of ${run.name} at step ${img.dataset.step} did not decode`)));
    return el('div', { class: 'card' }, el('h3', { text: 'Samples over time' }), p.box);
  }

  // ---------- snapshot charts ----------

  // Diverging colours for D: blue where D says fake (0), white at ½, red
  // where D says real (1). Stops are interpolated linearly in RGB.
  const D_STOPS = [[0, [33, 102, 172]], [0.25, [146, 197, 222]], [0.5, [247, 247, 247]],
    [0.75, [244, 165, 130]], [1, [178, 24, 43]]];
  function dColour(v) {
    v = Math.min(1, Math.max(0, isNum(v) ? v : 0.5));
    let k = 1;
    while (k < D_STOPS.length - 1 && v > D_STOPS[k][0]) k++;
    const [a, ca] = D_STOPS[k - 1], [b, cb] = D_STOPS[k];
    const t = (v - a) / (b - a);
    return ca.map((c, j) => Math.round(c + (cb[j] - c) * t));
  }
  // range: D's values at the ends of the scale (a critic's map is scaled
  // between its extremes, "d_range"; a probability's is [0, 1]).
  function colourLegend(range) {
    const [lo, hi] = Array.isArray(range) && range.length === 2 ? range : [0, 1];
    const grad = D_STOPS.map(([p, c]) => `rgb(${c.join(',')}) ${p * 100}%`).join(',');
    return el('div', { class: 'colour-legend' }, el('span', { text: `D(x):  ${fmt(lo)}` }),
      el('span', { class: 'bar', style: `background:linear-gradient(to right,${grad})` }), el('span', { text: fmt(hi) }));
  }

  // D's grid as a small canvas, one pixel per cell, made once per snapshot.
  const heatCache = new WeakMap();
  function heatCanvas(toy) {
    if (heatCache.has(toy)) return heatCache.get(toy);
    const n = toy.grid, canvas = document.createElement('canvas');
    canvas.width = canvas.height = n;
    const ctx = canvas.getContext('2d'), img = ctx.createImageData(n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        // Row i is y ascending; canvas rows go down, so row i lands at n-1-i.
        const [r, g, b] = dColour(toy.d[i * n + j]);
        const o = ((n - 1 - i) * n + j) * 4;
        img.data[o] = r; img.data[o + 1] = g; img.data[o + 2] = b; img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    heatCache.set(toy, canvas);
    return canvas;
  }

  // Draws the heat map under everything else, clipped to the plot area.
  function drawHeat(u, toy) {
    if (!toy || !Array.isArray(toy.d) || toy.d.length !== toy.grid * toy.grid) return;
    const e = toy.extent, ctx = u.ctx, { left, top, width, height } = u.bbox;
    const x0 = u.valToPos(-e, 'x', true), x1 = u.valToPos(e, 'x', true);
    const y0 = u.valToPos(-e, 'y', true), y1 = u.valToPos(e, 'y', true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(heatCanvas(toy), x0, y1, x1 - x0, y0 - y1);
    ctx.restore();
  }

  function pairs(points) {
    const xs = [], ys = [];
    for (const p of points || []) { xs.push(p[0]); ys.push(p[1]); }
    return [xs, ys];
  }

  function scatterSeries(label, colour, size, opts) {
    return Object.assign({ label, stroke: colour, fill: colour, count: true,
      paths: uPlot.paths.points(), points: { show: false, size, width: 0 },
      facets: [{ scale: 'x', auto: true }, { scale: 'y', auto: true }],
      value: (u, v) => fmt(v) }, opts || {});
  }

  function toy2dChart(run, snaps) {
    const snapOf = i => snaps[i].toy2d;
    const first = snaps.find(s => s.toy2d);
    if (!first) return null;
    const e = first.toy2d.extent || 2.5;
    const { card, div } = chartCard(`toy2d:${run.name}`, 'Samples, true modes and D(x)');
    card.append(colourLegend(snaps[snaps.length - 1].toy2d && snaps[snaps.length - 1].toy2d.d_range));
    let current = snaps.length - 1;
    const data = i => {
      const t = snapOf(i) || { samples: [], modes: [] };
      return [null, pairs(t.samples), pairs(t.modes)];
    };
    const opts = {
      mode: 2,
      series: [{}, scatterSeries('G samples', 'rgba(20,24,30,0.55)', 3.5),
        scatterSeries('true modes', '#f2b701', 11, { stroke: '#111', points: { show: false, size: 11, width: 1.5 } })],
      scales: { x: { time: false, auto: false, range: [-e, e] }, y: { auto: false, range: [-e, e] } },
      axes: [axis({ label: 'x' }), axis({ label: 'y', size: 44 })],
      legend: { live: false },
      cursor: { drag: { x: true, y: true, uni: 20 }, points: { show: false } },
      hooks: { drawClear: [u => drawHeat(u, snapOf(current))] },
    };
    return { card, div, opts, update(i) { current = i; return data(i); }, count: countSeries2, sizing: { square: 420 } };
  }

  function dHistChart(run, snaps) {
    if (!snaps.some(s => s.d_hist)) return null;
    const { card, div } = chartCard(`d_hist:${run.name}`, 'D\u2019s outputs: real vs generated');
    const data = i => {
      const h = snaps[i].d_hist;
      if (!h || !Array.isArray(h.real)) return [[], [], []];
      const n = h.real.length, w = (h.hi - h.lo) / n;
      return [h.real.map((_, k) => h.lo + (k + 0.5) * w), h.real, h.fake || []];
    };
    const bars = align => uPlot.paths.bars({ size: [0.45, Infinity], align });
    const opts = {
      series: [{ label: 'D', value: (u, v) => fmt(v) },
        { label: 'real', stroke: '#c23b3b', fill: 'rgba(225,87,89,0.55)', width: 1, paths: bars(1), points: { show: false }, count: true, value: legendValue },
        { label: 'fake', stroke: '#2f5d8a', fill: 'rgba(78,121,167,0.55)', width: 1, paths: bars(-1), points: { show: false }, count: true, value: legendValue }],
      scales: { x: { time: false, auto: false, range: u => histRange(snaps) }, y: { range: (u, lo, hi) => [0, Math.max(1, hi) * 1.08] } },
      axes: [axis({ label: 'D(x)' }), axis({ label: 'count', size: 54 })],
      cursor: { drag: { x: true, y: false } },
    };
    return { card, div, opts, update: data, count: countSeries1 };
  }
  function histRange(snaps) {
    const h = snaps.map(s => s.d_hist).filter(Boolean);
    return [Math.min(...h.map(x => x.lo)), Math.max(...h.map(x => x.hi))];
  }

  // The 2014 paper's Figure 1: data density (black, dotted), G's density
  // (green), D (blue, dashed), and the optimal D* = p_data / (p_data + p_g).
  function toy1dChart(run, snaps) {
    if (!snaps.some(s => s.toy1d)) return null;
    const { card, div } = chartCard(`toy1d:${run.name}`, 'Densities and D (Goodfellow et al. 2014, Fig. 1)');
    const data = i => {
      const t = snaps[i].toy1d;
      if (!t) return [[], [], [], [], []];
      return [t.x, t.p_data, t.p_g, t.d, t.d_star];
    };
    const line = (label, stroke, scale, dash, width) => ({ label, stroke, scale, dash, width: width || 2,
      points: { show: false }, count: true, value: (u, v) => fmt(v) });
    const opts = {
      series: [{ label: 'x', value: (u, v) => fmt(v) },
        line('p_data', '#222', 'density', [2, 3]),
        line('p_g', '#2e9d4a', 'density', []),
        line('D', '#2f6fde', 'p', [7, 4]),
        line('D*', '#b07aa1', 'p', [], 1.2)],
      scales: { x: { time: false }, density: { range: (u, lo, hi) => [0, Math.max(hi, 1e-9) * 1.05] }, p: { auto: false, range: [0, 1] } },
      axes: [axis({ label: 'x' }), axis({ scale: 'density', label: 'density', size: 54 }),
        axis({ scale: 'p', side: 1, label: 'D', size: 40, grid: { show: false } })],
      cursor: { drag: { x: true, y: false } },
    };
    return { card, div, opts, update: data, count: countSeries1 };
  }

  function snapshotsCard(run) {
    const snaps = (run.snapshots || []).filter(s => s && isNum(s.step));
    if (!snaps.length) return null;
    const parts = [dHistChart(run, snaps), toy2dChart(run, snaps), toy1dChart(run, snaps)].filter(Boolean);
    if (!parts.length) return null;
    const grid = el('div', { class: 'snap-grid' }, ...parts.map(p => p.card));
    const p = player(`snapshots:${run.name}`, snaps, i => {
      for (const part of parts) {
        const data = part.update(i);
        if (part.u) part.u.setData(data, part.opts.mode === 2 ? false : true);
        if (part.u) part.div.dataset.series = JSON.stringify(part.count(part.u));
      }
    });
    p.box.append(grid);
    const card = el('div', { class: 'card wide' }, el('h3', { text: 'Snapshots' }), p.box);
    // Charts need their width, so they are drawn once the card is in the page.
    card.draw = () => {
      for (const part of parts) part.u = plot(part.div, part.opts, part.update(snaps.length - 1), part.count, part.sizing);
      p.update();
    };
    return card;
  }

  // ---------- dynamics: Dirac-GAN and Jacobian eigenvalues ----------

  // Arrows of the vector field, drawn under the trajectory. Lengths are
  // scaled so the longest arrow spans most of a grid cell.
  function drawField(u, f) {
    const ctx = u.ctx, { left, top, width, height } = u.bbox;
    const nx = f.xs.length, ny = f.ys.length;
    let maxLen = 0;
    for (let k = 0; k < f.u.length; k++) maxLen = Math.max(maxLen, Math.hypot(f.u[k], f.v[k]));
    if (!(maxLen > 0)) return;
    const cellPx = Math.min(width / Math.max(1, nx), height / Math.max(1, ny));
    const scale = 0.85 * cellPx / maxLen;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.strokeStyle = 'rgba(95,107,122,0.6)';
    ctx.fillStyle = 'rgba(95,107,122,0.6)';
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    const head = 4 * devicePixelRatio;
    for (let i = 0; i < nx; i++) {
      for (let j = 0; j < ny; j++) {
        const k = i * ny + j, du = f.u[k], dv = f.v[k];
        if (!isNum(du) || !isNum(dv)) continue;
        const x = u.valToPos(f.xs[i], 'x', true), y = u.valToPos(f.ys[j], 'y', true);
        const dx = du * scale, dy = -dv * scale, len = Math.hypot(dx, dy);
        if (len < 0.5) continue;
        const a = Math.atan2(dy, dx), h = Math.min(head, len * 0.5);
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.lineTo(x + dx, y + dy);
        ctx.stroke();
        ctx.beginPath();
        ctx.moveTo(x + dx, y + dy);
        ctx.lineTo(x + dx - h * Math.cos(a - 0.45), y + dy - h * Math.sin(a - 0.45));
        ctx.lineTo(x + dx - h * Math.cos(a + 0.45), y + dy - h * Math.sin(a + 0.45));
        ctx.closePath();
        ctx.fill();
      }
    }
    ctx.restore();
  }

  function paddedRange(values) {
    // A loop, not Math.min(...v): spreading 10^5 values overflows the stack.
    let lo = Infinity, hi = -Infinity;
    for (const x of values) if (isNum(x)) { if (x < lo) lo = x; if (x > hi) hi = x; }
    if (lo > hi) return [-1, 1];
    if (lo === hi) { lo -= 1; hi += 1; }
    const pad = 0.06 * (hi - lo);
    return [lo - pad, hi + pad];
  }

  function diracCard(run) {
    const f = run.dirac && run.dirac.field;
    const m = run.metrics || {};
    if (!f || !Array.isArray(m.theta) || !Array.isArray(m.psi)) return null;
    const xs = [], ys = [];
    m.theta.forEach((t, k) => { if (isNum(t) && isNum(m.psi[k])) { xs.push(t); ys.push(m.psi[k]); } });
    const { card, div } = chartCard(`dirac:${run.name}`, 'Dirac-GAN: trajectory over the vector field');
    const opts = {
      mode: 2,
      series: [{}, { label: 'trajectory', stroke: '#e15759', width: 1.8, count: true,
        paths: uPlot.paths.linear(), points: { show: false },
        facets: [{ scale: 'x', auto: true }, { scale: 'y', auto: true }], value: (u, v) => fmt(v) }],
      scales: { x: { time: false, auto: false, range: paddedRange(xs.concat(f.xs)) },
        y: { auto: false, range: paddedRange(ys.concat(f.ys)) } },
      axes: [axis({ label: 'θ (generator)' }), axis({ label: 'ψ (discriminator)', size: 48 })],
      legend: { live: false },
      cursor: { drag: { x: true, y: true, uni: 20 }, points: { show: false } },
      hooks: { drawClear: [u => drawField(u, f)] },
    };
    card.draw = () => plot(div, opts, [null, [xs, ys]], countSeries2, { square: 440 });
    return card;
  }

  function jacobianCard(run) {
    const jac = (run.jacobian || []).filter(j => j && Array.isArray(j.eigenvalues));
    if (!jac.length) return null;
    const { card, div } = chartCard(`jacobian:${run.name}`, 'Jacobian eigenvalues');
    const data = i => {
      const ev = jac[i].eigenvalues;
      return [null, [ev.map(e => e.re), ev.map(e => e.im)]];
    };
    const all = jac.flatMap(j => j.eigenvalues);
    // Fixed axes over all steps, so moving the slider shows the points move.
    const xr = paddedRange(all.map(e => e.re).concat([0])), yr = paddedRange(all.map(e => e.im).concat([0]));
    const opts = {
      mode: 2,
      series: [{}, scatterSeries('eigenvalues', '#4e79a7', 6)],
      scales: { x: { time: false, auto: false, range: xr }, y: { auto: false, range: yr } },
      axes: [axis({ label: 'Re λ' }), axis({ label: 'Im λ', size: 48 })],
      legend: { live: false },
      cursor: { drag: { x: true, y: true, uni: 20 }, points: { show: false } },
      hooks: { drawClear: [drawImaginaryAxis] },
    };
    let u = null;
    const p = player(`jacobian:${run.name}`, jac, i => {
      if (!u) return;
      u.setData(data(i), false);
      div.dataset.series = JSON.stringify(countSeries2(u));
    });
    p.box.append(div);
    card.append(p.box);
    card.draw = () => { u = plot(div, opts, data(jac.length - 1), countSeries2, { square: 440 }); p.update(); };
    return card;
  }

  // Re λ = 0 separates growing from decaying directions; drawn dashed.
  function drawImaginaryAxis(u) {
    const x = u.valToPos(0, 'x', true), { top, height } = u.bbox, ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = REF_COLOUR;
    ctx.setLineDash([5 * devicePixelRatio, 5 * devicePixelRatio]);
    ctx.lineWidth = devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.restore();
  }

  function runSections(main) {
    RUNS.forEach((run, ri) => {
      const cards = [samplesCard(run), snapshotsCard(run), diracCard(run), jacobianCard(run)].filter(Boolean);
      if (!cards.length) return;
      const title = MULTI ? [runChip(ri)] : 'Samples and snapshots';
      const grid = el('div', { class: 'grid' }, ...cards);
      main.append(section(title, grid));
      for (const c of cards) if (c.draw) c.draw();
    });
  }

  // ---------- controls, resizing, start ----------

  function controls() {
    const slider = document.getElementById('smoothing');
    const out = document.getElementById('smoothing-value');
    let queued = false;
    slider.addEventListener('input', () => {
      state.smoothing = Number(slider.value);
      out.value = state.smoothing.toFixed(2);
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; applySmoothing(); });
    });
    const log = document.getElementById('log-y');
    log.addEventListener('change', () => { state.logY = log.checked; rebuildCurveCharts(); });
    state.smoothing = Number(slider.value) || 0;
    state.logY = log.checked;
    out.value = state.smoothing.toFixed(2);
  }

  function resizeAll() {
    for (const p of allPlots) {
      if (!p.u) continue;
      const w = Math.max(200, p.div.clientWidth);
      if (p.sizing && p.sizing.square) {
        const s = Math.min(w, p.sizing.square);
        p.u.setSize({ width: s, height: s });
      } else p.u.setSize({ width: w, height: (p.sizing && p.sizing.height) || CHART_HEIGHT });
    }
  }

  function start() {
    const main = document.getElementById('report');
    main.textContent = '';
    header();
    controls();
    // One run: its facts and final values side by side; several: the facts
    // cards in a row, then one wide table comparing the final values.
    const runsGrid = el('div', { class: 'grid narrow' }, ...RUNS.map(factsCard));
    main.append(section(MULTI ? 'Runs' : 'Run', runsGrid));
    let summary = runsGrid;
    if (MULTI) {
      summary = el('div');
      main.append(section('Final values', summary));
    }
    curveSections(main, summary);
    runSections(main);
    let timer = 0;
    window.addEventListener('resize', () => { clearTimeout(timer); timer = setTimeout(resizeAll, 120); });
  }

  function ready() {
    // One frame after the last picture decoded: everything is on screen.
    Promise.all(pending).then(() => requestAnimationFrame(() => {
      document.body.dataset.ready = '1';
      document.body.dataset.renderMs = String(performance.now());
    }));
  }

  try {
    start();
  } catch (e) {
    recordError(`report: ${e.stack || e}`);
  }
  ready();
})();
