// The `stopword` package ships no types; memvault uses its English list only.
declare module "stopword" {
  export const eng: readonly string[];
}
