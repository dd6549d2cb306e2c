// What the compiler needs from the outside world. The CLI implements it over the file system;
// tests implement it over a map. The compiler itself never touches `fs` or `process`.

export interface CompilerHost {
  /** The text of a file, or undefined when there is none. Paths are as returned by `resolveImport`. */
  readFile(path: string): string | undefined;
  /**
   * Where an import points: `std/kd` → the bundled library, `./x` → relative to `fromPath`,
   * a bare package name → through node_modules. Undefined when it cannot be found.
   */
  resolveImport(specifier: string, fromPath: string): string | undefined;
  /** A path written in a recipe (`load("runs/x/student")`), relative to the recipe's own folder. */
  resolvePath(path: string, fromPath: string): string;
  /** How a path is shown to the user: relative to the working directory, or `std/kd.kd`. */
  displayPath(path: string): string;
}
