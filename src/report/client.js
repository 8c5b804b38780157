/*
 * The page script of report.html and sweep.html (inlined by src/report/,
 * runs in the browser, no network): draws every chart of the embedded data
 * with uPlot. The data is already shaped as uPlot's aligned tables
 * (src/report/charts.ts); this sets axes, colours, line styles and bars, and
 * draws what uPlot has no option for: epoch marks, threshold lines and error
 * bars. Legends show names only (no values under a cursor, so no "--"
 * placeholders); a series' full name (a run's id) is its tooltip. What was
 * drawn is published as window.pqbenchReport for tests and for anyone
 * scripting the page.
 */
(() => {
  const data = JSON.parse(document.getElementById('pqbench-data').textContent);
  const container = document.getElementById('charts');
  const colourOf = (s) => data.colours[(s.colour ?? s.run) % data.colours.length];
  const widthOf = (box) => Math.max(320, Math.floor(box.getBoundingClientRect().width));
  const HEIGHT = 280;
  /** Tick labels people read: four significant digits, tiny values (cost per epoch) in exponent form. */
  const formatTick = (v) => {
    if (v === null || v === undefined) return '';
    const abs = Math.abs(v);
    if (abs !== 0 && abs < 0.001) return v.toExponential(1);
    return Number(v.toPrecision(4)).toLocaleString('en-US');
  };
  const formatTicks = (_u, splits) => splits.map(formatTick);
  /** Bars of several series side by side in each category: this much of a category's width in all. */
  const GROUP = 0.8;

  function barPaths(spec, index) {
    const n = spec.series.length;
    const width = GROUP / n;
    return uPlot.paths.bars({
      disp: {
        x0: { unit: 1, values: (u) => u.data[0].map((x) => x - GROUP / 2 + index * width) },
        size: { unit: 1, values: (u) => u.data[0].map(() => width) },
      },
    });
  }

  function seriesOptions(spec, s, index) {
    const colour = colourOf(s);
    const options = { label: s.label, stroke: colour, width: 1.5, spanGaps: true };
    if (spec.style === 'bars') {
      return { ...options, fill: `${colour}cc`, paths: barPaths(spec, index), points: { show: false } };
    }
    // Lines show their points only where they are sparse (uPlot's default): a single interval still shows.
    options.points = spec.style === 'points' ? { show: true, size: 6, fill: colour } : { size: 5 };
    if (s.dashed) options.dash = [6, 4];
    return options;
  }

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  /** Vertical marks (epoch starts), threshold lines and error bars, over the plotted series. */
  function drawExtras(spec, drawnErrorBars) {
    return (u) => {
      const ctx = u.ctx;
      const { left, top, width, height } = u.bbox;
      ctx.save();
      ctx.lineWidth = 1;
      ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
      // A mark's label only where it does not run into the previous one.
      let labelEnd = Number.NEGATIVE_INFINITY;
      for (const mark of spec.marks ?? []) {
        const x = Math.round(u.valToPos(mark.x, 'x', true));
        if (x < left || x > left + width) continue;
        ctx.strokeStyle = '#888';
        ctx.setLineDash([3, 3]);
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + height);
        ctx.stroke();
        const text = ctx.measureText(mark.label).width;
        if (x + 3 > labelEnd) {
          ctx.fillStyle = '#555';
          ctx.fillText(mark.label, x + 3, top + 12 * devicePixelRatio);
          labelEnd = x + 3 + text + 6;
        }
      }
      for (const line of spec.thresholds ?? []) {
        const y = Math.round(u.valToPos(line.y, 'y', true));
        ctx.strokeStyle = '#b3261e';
        ctx.setLineDash([8, 4]);
        ctx.beginPath();
        ctx.moveTo(left, y);
        ctx.lineTo(left + width, y);
        ctx.stroke();
        ctx.fillStyle = '#b3261e';
        ctx.fillText(line.label, left + 4, y - 4);
      }
      ctx.setLineDash([]);
      let bars = 0;
      for (const eb of spec.errorBars ?? []) {
        ctx.strokeStyle = colourOf(spec.series[eb.series]);
        ctx.lineWidth = 1.5;
        u.data[0].forEach((xv, i) => {
          const low = eb.low[i];
          const high = eb.high[i];
          if (low === null || high === null || low === undefined || high === undefined) return;
          const x = u.valToPos(xv, 'x', true);
          const y0 = u.valToPos(low, 'y', true);
          const y1 = u.valToPos(high, 'y', true);
          ctx.beginPath();
          ctx.moveTo(x, y0);
          ctx.lineTo(x, y1);
          ctx.moveTo(x - 5, y0);
          ctx.lineTo(x + 5, y0);
          ctx.moveTo(x - 5, y1);
          ctx.lineTo(x + 5, y1);
          ctx.stroke();
          bars++;
        });
      }
      drawnErrorBars.count = bars;
      ctx.restore();
    };
  }

  function xScale(spec) {
    if (spec.xLog) return { time: false, distr: 3, log: 10 };
    if (spec.categories) return { time: false, range: () => [-0.6, spec.categories.length - 0.4] };
    return { time: false };
  }

  function yScale(spec) {
    if (!spec.yFromZero && spec.style !== 'bars') return { auto: true };
    const lines = (spec.thresholds ?? []).map((t) => t.y);
    return {
      range: (_u, _min, max) => {
        const top = Math.max(max ?? 0, ...lines);
        return [0, top > 0 ? top * 1.08 : 1];
      },
    };
  }

  function xAxis(spec) {
    const axis = { label: spec.xLabel };
    if (spec.categories) {
      axis.incrs = [1];
      axis.values = (_u, splits) =>
        splits.map((v) => (Number.isInteger(v) ? (spec.categories[v] ?? '') : ''));
    } else if (spec.xIntegers) {
      // Epochs and accelerators are whole numbers: no 1.5th epoch on the axis.
      axis.incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
    }
    return axis;
  }

  const drawn = [];
  for (const spec of data.charts) {
    const box = element('div', 'chart');
    box.dataset.chart = spec.id;
    box.append(element('h3', '', spec.title));
    if (spec.note) box.append(element('p', 'note', spec.note));
    const plot = element('div', 'plot');
    box.append(plot);
    container.append(box);
    const errorBars = { count: 0 };
    const options = {
      width: widthOf(box),
      height: HEIGHT,
      legend: { live: false },
      scales: { x: xScale(spec), y: yScale(spec) },
      axes: [xAxis(spec), { label: spec.yLabel, size: 70, values: formatTicks }],
      series: [
        { label: spec.xLegend ?? spec.xLabel },
        ...spec.series.map((s, i) => seriesOptions(spec, s, i)),
      ],
      hooks: { draw: [drawExtras(spec, errorBars)] },
    };
    const chart = new uPlot(options, spec.data, plot);
    // The legend's entries, after the x's: each series' full name on hover.
    const entries = chart.root.querySelectorAll('.u-legend .u-series');
    spec.series.forEach((s, i) => {
      const entry = entries[i + 1];
      if (entry && s.title) entry.title = s.title;
    });
    drawn.push({ id: spec.id, spec, box, chart, errorBars });
  }

  window.addEventListener('resize', () => {
    for (const { box, chart } of drawn) chart.setSize({ width: widthOf(box), height: HEIGHT });
  });

  // Read when asked (after uPlot has drawn): the scales and error bars are those on the canvas.
  window.pqbenchReport = {
    get charts() {
      return charts();
    },
  };

  const charts = () =>
    drawn.map(({ id, spec, chart, errorBars }) => ({
      id,
      style: spec.style,
      categories: spec.categories ?? null,
      series: chart.series.slice(1).map((s) => s.label),
      titles: spec.series.map((s) => s.title ?? null),
      colours: spec.series.map(colourOf),
      points: chart.data.slice(1).map((column) => column.filter((v) => v !== null && v !== undefined).length),
      yMin: chart.scales.y.min,
      marks: (spec.marks ?? []).length,
      thresholds: (spec.thresholds ?? []).map((t) => t.y),
      errorBars: errorBars.count,
      legendText: [...chart.root.querySelectorAll('.u-legend')].map((l) => l.textContent).join(' '),
    }));
})();
