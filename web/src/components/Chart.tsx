/**
 * A small responsive SVG chart: lines or bars over labelled buckets, with axis ticks, a legend and a
 * data table for screen readers (the figure is described, the numbers are readable).
 */
import { useId } from "react";
import { useWidth } from "../hooks/useWidth";
import { compact, linePath, scale, ticks } from "../lib/chart";

export type Series = { name: string; values: number[]; color: string; format?: (value: number) => string };

export type ChartProps = {
  title: string;
  labels: string[];
  series: Series[];
  kind?: "line" | "bar";
  height?: number;
  emptyText?: string;
};

const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

export function Chart({ title, labels, series, kind = "line", height = 220, emptyText = "No activity in this range yet." }: ChartProps) {
  const id = useId();
  const [ref, WIDTH] = useWidth<HTMLElement>();
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const yTicks = ticks(max);
  const top = yTicks[yTicks.length - 1] ?? 1;
  const y = scale(top, plotH);
  const n = labels.length;
  const step = n > 0 ? plotW / n : plotW;
  const x = (i: number) => PAD.left + step * i + step / 2;
  const labelEvery = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(WIDTH / 90))));

  if (n === 0 || series.every((s) => s.values.every((v) => v === 0))) {
    return (
      <figure ref={ref} className="chart chart--empty" aria-labelledby={`${id}-t`}>
        <figcaption id={`${id}-t`} className="chart__title">{title}</figcaption>
        <p className="muted">{emptyText}</p>
      </figure>
    );
  }

  const barW = Math.max(2, (step * 0.8) / series.length);
  return (
    <figure ref={ref} className="chart" aria-labelledby={`${id}-t`}>
      <figcaption id={`${id}-t`} className="chart__title">{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${title} chart`} width={WIDTH} height={height} className="chart__svg">
        {yTicks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={PAD.top + plotH - y(t)} y2={PAD.top + plotH - y(t)} className="chart__grid" />
            <text x={PAD.left - 6} y={PAD.top + plotH - y(t) + 4} textAnchor="end" className="chart__tick">
              {compact(t)}
            </text>
          </g>
        ))}
        {labels.map((label, i) =>
          i % labelEvery === 0 ? (
            <text key={`${label}-${i}`} x={x(i)} y={height - 8} textAnchor="middle" className="chart__tick">
              {label}
            </text>
          ) : null,
        )}
        {kind === "bar"
          ? series.map((s, si) =>
              s.values.map((v, i) => (
                <rect
                  key={`${s.name}-${i}`}
                  x={x(i) - (barW * series.length) / 2 + barW * si}
                  y={PAD.top + plotH - y(v)}
                  width={barW}
                  height={Math.max(0, y(v))}
                  fill={s.color}
                  rx={1.5}
                >
                  <title>{`${labels[i]}: ${s.name} ${s.format ? s.format(v) : compact(v)}`}</title>
                </rect>
              )),
            )
          : series.map((s) => (
              <g key={s.name}>
                <path d={linePath(s.values.map((v, i) => ({ x: x(i), y: PAD.top + plotH - y(v) })))} fill="none" stroke={s.color} strokeWidth={2} vectorEffect="non-scaling-stroke" />
                {s.values.map((v, i) => (
                  <circle key={i} cx={x(i)} cy={PAD.top + plotH - y(v)} r={n > 40 ? 0 : 2.5} fill={s.color}>
                    <title>{`${labels[i]}: ${s.name} ${s.format ? s.format(v) : compact(v)}`}</title>
                  </circle>
                ))}
              </g>
            ))}
      </svg>
      {series.length > 1 || kind === "line" ? (
        <ul className="chart__legend">
          {series.map((s) => (
            <li key={s.name}>
              <span className="chart__swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.name}
            </li>
          ))}
        </ul>
      ) : null}
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Period</th>
            {series.map((s) => (
              <th key={s.name} scope="col">{s.name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((label, i) => (
            <tr key={`${label}-${i}`}>
              <th scope="row">{label}</th>
              {series.map((s) => (
                <td key={s.name}>{s.format ? s.format(s.values[i] ?? 0) : s.values[i]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
