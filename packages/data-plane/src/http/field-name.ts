/** A field name in lower case; names already lower case (the proxy's, most clients') are not copied. */
export function lowerCaseName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) return name.toLowerCase();
  }
  return name;
}
