// spdx-expression-parse ships no types; only its default export (throws on an invalid expression) is used.
declare module 'spdx-expression-parse' {
  const parse: (expression: string) => unknown;
  export default parse;
}
