/** A regular expression's source matching `text` literally (outside a character class). */
export function regExpLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
