/**
 * A package README's example is a copy of a program under tests/consumers/examples/, which the consumer tests
 * run against the installed tarballs. The README marks the block:
 *
 *     <!-- example: tests/consumers/examples/<file> -->
 *     ```js
 *     ...the file, verbatim...
 *     ```
 */

export function exampleMarker(file: string): string {
  return `<!-- example: tests/consumers/examples/${file} -->`;
}

/** The code block after the marker, or undefined when the README has no marker (or no block after it). */
export function readmeExample(readme: string, file: string): string | undefined {
  const at = readme.indexOf(exampleMarker(file));
  if (at < 0) return undefined;
  const rest = readme.slice(at);
  const match = /\n```(?:js|javascript)\n([\s\S]*?)\n```/.exec(rest);
  return match?.[1] === undefined ? undefined : `${match[1]}\n`;
}

/** The README with the block after the marker replaced by `code` (for `UPDATE_EXAMPLES=1`). */
export function withReadmeExample(readme: string, file: string, code: string): string {
  const at = readme.indexOf(exampleMarker(file));
  if (at < 0) throw new Error(`no ${exampleMarker(file)} in the README`);
  const head = readme.slice(0, at);
  const rest = readme.slice(at);
  return (
    head +
    rest.replace(/\n```(?:js|javascript)\n[\s\S]*?\n```/, () => `\n\`\`\`js\n${code.trimEnd()}\n\`\`\``)
  );
}
