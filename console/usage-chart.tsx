import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export type Series = { label: string; values: (number | null)[]; color: string };

/** A uPlot chart over times (seconds since the epoch), as wide as its box; drawn again when the data or the width change. */
export function TimeChart({ title, times, series, unit }: { title: string; times: number[]; series: Series[]; unit: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const axisColor = getComputedStyle(element).color;
    const gridColor = getComputedStyle(element).getPropertyValue('--grid').trim() || 'rgba(128,128,128,.2)';
    const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 280),
        height: 220,
        series: [
          {},
          ...series.map((line) => ({ label: line.label, stroke: line.color, fill: `${line.color}22`, width: 2, points: { show: times.length < 40 } })),
        ],
        axes: [axis, { ...axis, label: unit, size: 60 }],
        scales: { x: { time: true } },
        legend: { show: true },
      },
      [times, ...series.map((line) => line.values)],
      element,
    );
    const resized = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 280), height: 220 }));
    resized.observe(element);
    return () => {
      resized.disconnect();
      chart.destroy();
    };
  }, [times, series, unit]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={`${title}: ${series.map((line) => `${line.label} ${sum(line.values)} in all`).join(', ')}`} />
    </figure>
  );
}

const sum = (values: (number | null)[]) => values.reduce<number>((total, value) => total + (value ?? 0), 0).toLocaleString();
