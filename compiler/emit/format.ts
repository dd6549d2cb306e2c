// Formats generated code with prettier and explicit options: a user's .prettierrc never applies,
// so the same recipe gives the same bytes everywhere.
import { format } from "prettier";

export const PRETTIER_OPTIONS = {
  parser: "typescript",
  printWidth: 100,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: false,
  quoteProps: "as-needed",
  trailingComma: "all",
  bracketSpacing: true,
  arrowParens: "always",
  endOfLine: "lf",
} as const;

export async function formatTypeScript(text: string): Promise<string> {
  return format(text, { ...PRETTIER_OPTIONS });
}
