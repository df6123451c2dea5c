import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["client/vendor/**", "node_modules/**", ".venv/**"] },
  js.configs.recommended,
  {
    files: ["client/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.browser } },
  },
  {
    files: ["tests/**/*.js", "tools/**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
  },
];
