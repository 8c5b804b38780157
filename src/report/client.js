/*
 * report.html's page script (inlined by src/report/html.ts, runs in the
 * browser, no network): draws every chart of the embedded data with uPlot.
 * The data is already shaped as uPlot's aligned tables (src/report/charts.ts);
 * this only sets axes, colours and line styles. What was drawn is published
 * as window.pqbenchReport for tests and for anyone scripting the page.
 */
(() => {
  const data = JSON.parse(document.getElementById('pqbench-data').textContent);
  const container = document.getElementById('charts');
  const colourOf = (run) => data.colours[run % data.colours.length];
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

  function seriesOptions(spec, s) {
    const options = {
      label: s.label,
      stroke: colourOf(s.run),
      width: 1.5,
      // Overlaid runs sample different instants: join each run's own points across the others'.
      spanGaps: true,
      // Lines show their points only where they are sparse (uPlot's default): a single interval still shows.
      points: spec.style === 'points' ? { show: true, size: 6, fill: colourOf(s.run) } : { size: 5 },
    };
    if (s.dashed) options.dash = [6, 4];
    return options;
  }

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
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
    const options = {
      width: widthOf(box),
      height: HEIGHT,
      scales: { x: spec.xLog ? { time: false, distr: 3, log: 10 } : { time: false } },
      axes: [
        // Epochs and accelerators are whole numbers: no 1.5th epoch on the axis.
        {
          label: spec.xLabel,
          ...(spec.xIntegers ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}),
        },
        { label: spec.yLabel, size: 70, values: formatTicks },
      ],
      series: [{ label: spec.xLegend ?? spec.xLabel }, ...spec.series.map((s) => seriesOptions(spec, s))],
    };
    drawn.push({ id: spec.id, box, chart: new uPlot(options, spec.data, plot) });
  }

  window.addEventListener('resize', () => {
    for (const { box, chart } of drawn) chart.setSize({ width: widthOf(box), height: HEIGHT });
  });

  window.pqbenchReport = {
    charts: drawn.map(({ id, chart }) => ({
      id,
      series: chart.series.slice(1).map((s) => s.label),
      points: chart.data.slice(1).map((column) => column.filter((v) => v !== null && v !== undefined).length),
    })),
  };
})();
