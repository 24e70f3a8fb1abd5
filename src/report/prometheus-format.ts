// The Prometheus text format 0.0.4 as node_exporter's textfile collector parses it, and the
// number helpers every series of the textfile uses. Pure: no I/O.
//
// What the collector insists on (checked against Debian's node_exporter 1.5):
// - a file without a final newline, or with a client-side timestamp, is rejected whole
//   (node_textfile_scrape_error 1): every line here ends in "\n" and none has a timestamp;
// - a series repeated with the same labels is not flagged by node_textfile_scrape_error: the
//   scrape just logs an error and keeps one of them. Series are deduplicated here.

type Labels = Record<string, string>;

export class Family {
  private readonly samples = new Map<string, string>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** The first sample with a label set wins: the collector must never see a duplicate. */
  add(labels: Labels, value: number): this {
    const rendered = renderLabels(labels);
    if (!this.samples.has(rendered))
      this.samples.set(rendered, `${this.name}${rendered} ${formatValue(value)}`);
    return this;
  }

  lines(): string[] {
    if (this.samples.size === 0) return [];
    return [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} gauge`,
      ...this.samples.values(),
    ];
  }
}

export class Textfile {
  private readonly families = new Map<string, Family>();

  gauge(name: string, help: string): Family {
    let family = this.families.get(name);
    if (!family) {
      family = new Family(name, help);
      this.families.set(name, family);
    }
    return family;
  }

  /** Families in the order first asked for; ones without samples are left out. */
  text(): string {
    const lines = [...this.families.values()].flatMap((f) => f.lines());
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }
}

function renderLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

/** Label values: backslash, double quote and line feed are escaped (text format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text: backslash and line feed are escaped (a double quote is not). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** A percentage as a ratio 0-1; null for a value that could not be measured (no series). */
export function ratio(percent: number | null | undefined): number | null {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return null;
  return round(percent / 100, 6);
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function counter(keys: Iterable<string>): Map<string, number> {
  return new Map([...keys].map((k) => [k, 0]));
}

export function add(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** By code unit, not locale: the file's order must not depend on the environment. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
