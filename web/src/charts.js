// charts.js: ECharts in the console. The library (about 1 MB) is loaded on first use, so pages
// without a chart - and a cold load of a list - never fetch it. useChart() ties one chart to one
// element: created when the component mounts, redrawn whenever the option it is built from
// changes (data or language, since the builder reads both), resized with its element, disposed
// when the component goes.
import { onMounted, onBeforeUnmount, watch } from 'vue';

let loading = null;
export function loadEcharts() {
  if (!loading) loading = import('echarts');
  return loading;
}

// elRef: template ref of the chart's <div>; buildOption(): the ECharts option, reading reactive
// state; onClick(params): a click on a data item (bar, point), optional.
export function useChart(elRef, buildOption, onClick) {
  let chart = null;
  let gone = false;
  let observer = null;

  const draw = () => { if (chart) chart.setOption(buildOption(), { notMerge: true }); };
  // a ResizeObserver also sees the window being resized, and the side menu or the card grid
  // changing the element's width without any window event
  const resize = () => { if (chart) chart.resize(); };

  onMounted(async () => {
    const echarts = await loadEcharts();
    if (gone || !elRef.value) return;
    chart = echarts.init(elRef.value, null, { renderer: 'canvas' });
    if (onClick) chart.on('click', onClick);
    draw();
    observer = new ResizeObserver(resize);
    observer.observe(elRef.value);
    window.addEventListener('resize', resize);
  });
  watch(buildOption, draw);
  onBeforeUnmount(() => {
    gone = true;
    window.removeEventListener('resize', resize);
    if (observer) observer.disconnect();
    if (chart) chart.dispose();
    chart = null;
  });
}

// Numbers as people read them in the chosen language: 12,345.
export function formatCount(n) {
  return n == null ? '' : Number(n).toLocaleString('zh-CN');
}
