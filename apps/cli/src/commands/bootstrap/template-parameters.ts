/** What a template declares about one parameter (the constraints CloudFormation checks). */
export interface TemplateParameter {
  type?: string;
  default?: string;
  allowedPattern?: string;
  allowedValues?: string[];
  minLength?: number;
  maxLength?: number;
  minValue?: number;
  maxValue?: number;
}

/**
 * The `Parameters` section of a template, read without a YAML library: JSON templates through
 * JSON.parse, YAML ones in CloudFormation's usual block layout (two-space parameter names,
 * scalar properties, flow lists for AllowedValues). Undefined when the section cannot be read
 * that way; CloudFormation still validates at deploy time, this only lets bootstrap check the
 * values of both stacks before it changes anything.
 */
export function readTemplateParameters(body: string): Record<string, TemplateParameter> | undefined {
  return body.trimStart().startsWith('{') ? fromJson(body) : fromYaml(body);
}

/**
 * Problems with `values` (parameter key to value) against the template's declarations: unknown
 * keys and values outside AllowedPattern, AllowedValues, length or number bounds.
 */
export function parameterProblems(
  stack: string,
  declared: Record<string, TemplateParameter>,
  values: Record<string, string>,
): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const p = declared[key];
    if (p === undefined) {
      problems.push(`stack ${stack} has no parameter ${key} (it has ${Object.keys(declared).join(', ')})`);
      continue;
    }
    const bad = (why: string) => problems.push(`${stack} parameter ${key}="${value}" ${why}`);
    // CloudFormation matches the whole value (each entry of a list).
    const pattern = wholeValuePattern(p.allowedPattern);
    if (p.type === 'CommaDelimitedList' && pattern !== undefined) {
      const off = value.split(',').filter((entry) => !pattern.test(entry.trim()));
      if (off.length > 0) bad(`has entries that do not match ${p.allowedPattern}: ${off.join(', ')}`);
    } else if (pattern !== undefined && !pattern.test(value)) {
      bad(`does not match ${p.allowedPattern}`);
    }
    if (p.allowedValues !== undefined && !p.allowedValues.includes(value)) {
      bad(`is not one of ${p.allowedValues.join(', ')}`);
    }
    if (p.minLength !== undefined && value.length < p.minLength) bad(`is shorter than ${p.minLength}`);
    if (p.maxLength !== undefined && value.length > p.maxLength) bad(`is longer than ${p.maxLength}`);
    if (p.type === 'Number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) bad('is not a number');
      else if (p.minValue !== undefined && n < p.minValue) bad(`is below ${p.minValue}`);
      else if (p.maxValue !== undefined && n > p.maxValue) bad(`is above ${p.maxValue}`);
    }
  }
  return problems;
}

/** CloudFormation (Java) patterns that JavaScript cannot compile are left to CloudFormation. */
function wholeValuePattern(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return undefined;
  }
}

function fromJson(body: string): Record<string, TemplateParameter> | undefined {
  try {
    const section = (JSON.parse(body) as { Parameters?: Record<string, Record<string, unknown>> }).Parameters;
    if (section === undefined) return {};
    const result: Record<string, TemplateParameter> = {};
    for (const [name, props] of Object.entries(section)) {
      result[name] = fromProperties(
        Object.fromEntries(
          Object.entries(props).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]),
        ),
      );
    }
    return result;
  } catch {
    return undefined;
  }
}

function fromYaml(body: string): Record<string, TemplateParameter> | undefined {
  const lines = body.split(/\r?\n/);
  const start = lines.findIndex((line) => /^Parameters:\s*$/.test(line));
  if (start < 0) return /^Parameters:/m.test(body) ? undefined : {};
  const result: Record<string, TemplateParameter> = {};
  let props: Record<string, string | string[]> | undefined;
  let name: string | undefined;
  const flush = () => {
    if (name !== undefined && props !== undefined) result[name] = fromProperties(props);
  };
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break; // the next top-level section
    if (/^\s*(#.*)?$/.test(line)) continue;
    const param = /^ {2}([A-Za-z0-9]+):\s*$/.exec(line);
    if (param?.[1]) {
      flush();
      name = param[1];
      props = {};
      continue;
    }
    const prop = /^ {4}([A-Za-z]+):\s*(.*)$/.exec(line);
    if (prop?.[1] && props !== undefined) {
      const raw = (prop[2] ?? '').replace(/\s+#.*$/, '');
      props[prop[1]] = raw.startsWith('[') ? flowList(raw) : scalar(raw);
      continue;
    }
    if (/^ {5,}/.test(line) && props !== undefined) continue; // a folded Description, a block list...
    return undefined;
  }
  flush();
  return result;
}

function fromProperties(props: Record<string, string | string[]>): TemplateParameter {
  const text = (key: string) => (typeof props[key] === 'string' ? (props[key] as string) : undefined);
  const num = (key: string) => {
    const value = text(key);
    return value === undefined || value === '' || Number.isNaN(Number(value)) ? undefined : Number(value);
  };
  const values = props.AllowedValues;
  const parameter: TemplateParameter = {};
  const set = <K extends keyof TemplateParameter>(key: K, value: TemplateParameter[K] | undefined) => {
    if (value !== undefined) parameter[key] = value;
  };
  set('type', text('Type'));
  set('default', text('Default'));
  set('allowedPattern', text('AllowedPattern'));
  set('allowedValues', Array.isArray(values) ? values : undefined);
  set('minLength', num('MinLength'));
  set('maxLength', num('MaxLength'));
  set('minValue', num('MinValue'));
  set('maxValue', num('MaxValue'));
  return parameter;
}

/** A YAML scalar as CloudFormation templates write them: plain, '...' ('' escapes ') or "...". */
function scalar(raw: string): string {
  const value = raw.trim();
  if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) {
    return value.slice(1, -1).replace(/''/g, "'");
  }
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return value.slice(1, -1);
    }
  }
  return value;
}

function flowList(raw: string): string[] {
  const inner = raw.trim().replace(/^\[/, '').replace(/\]$/, '');
  return inner.trim() === '' ? [] : inner.split(',').map((entry) => scalar(entry));
}
