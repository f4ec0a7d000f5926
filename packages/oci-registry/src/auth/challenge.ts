/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  /** Lower-case scheme: `bearer` or `basic` (others are kept but not answered). */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses `WWW-Authenticate` (RFC 7235): one or more challenges, each a scheme followed by `key=value` or
 * `key="quoted, value"` parameters. Registries send one; we accept several and keep them in order.
 */
export function parseChallenges(value: string | string[] | undefined): Challenge[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(', ') : value;
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = [];
  let i = 0;
  const n = text.length;
  const skip = (re: RegExp) => {
    while (i < n && re.test(text[i] as string)) i++;
  };
  while (i < n) {
    skip(/[\s,]/);
    const start = i;
    skip(/[^\s,=]/);
    const token = text.slice(start, i);
    if (!token) break;
    skip(/[ \t]/);
    if (text[i] === '=') {
      // A parameter of the current challenge.
      i++;
      skip(/[ \t]/);
      let value = '';
      if (text[i] === '"') {
        i++;
        while (i < n && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < n) i++;
          value += text[i];
          i++;
        }
        i++;
      } else {
        const vStart = i;
        skip(/[^\s,]/);
        value = text.slice(vStart, i);
      }
      const current = challenges[challenges.length - 1];
      if (current) current.params[token.toLowerCase()] = value;
    } else {
      challenges.push({ scheme: token.toLowerCase(), params: {} });
    }
  }
  return challenges;
}

/** Picks the challenge we answer: bearer first (it supports scopes), then basic. */
export function preferredChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
