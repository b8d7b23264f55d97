import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export type Series = { label: string; values: (number | null)[]; color: string };

type Props = { title: string; times: number[]; series: Series[]; unit: string; range: [number, number] };

const bars = uPlot.paths.bars!({ size: [0.7, 28], align: 1 });

/** Whole steps for the value axis (1, 2, 5, 10, 20 …): calls and tokens come whole, so no 0.5 call is ever marked. */
const wholeSteps = Array.from({ length: 13 }, (_, power) => [1, 2, 5].map((step) => step * 10 ** power)).flat();

/**
 * Bars over a fixed span of time (seconds since the epoch: the span asked for, so one busy day
 * is one bar in its month, not a point in the middle of nowhere), as wide as its box.
 */
export function TimeChart({ title, times, series, unit, range }: Props) {
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
          ...series.map((line) => ({ label: line.label, stroke: line.color, fill: `${line.color}aa`, width: 1, paths: bars, points: { show: false } })),
        ],
        axes: [axis, { ...axis, label: unit, size: 60, incrs: wholeSteps }],
        scales: { x: { time: true, range: () => range }, y: { range: (_chart, _min, max) => [0, Math.max(1, max) * 1.1] } },
        // The series' names only: a value per hovered bar read "--" until hovered, which looked broken in a still page.
        legend: { show: true, live: false },
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
  }, [times, series, unit, range]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={`${title}: ${series.map((line) => `${line.label} ${sum(line.values)} in all`).join(', ')}`} />
    </figure>
  );
}

const sum = (values: (number | null)[]) => values.reduce<number>((total, value) => total + (value ?? 0), 0).toLocaleString();
