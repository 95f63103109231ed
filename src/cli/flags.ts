/**
 * The library names its options as the library knows them (`learningRate`,
 * `tokenColumn`); the command line says the flags that set them (`--lr`,
 * `--token-column`). Every error and warning the CLI prints passes through
 * `withFlags`, so one message serves both audiences.
 */
import { TRAIN_OPTIONS } from '../train/options';

/** Library option names (camelCase, so that no ordinary word is taken for one) and their flags. */
const FLAGS: ReadonlyMap<string, string> = new Map([
  ...Object.entries(TRAIN_OPTIONS)
    .filter(([key]) => /[A-Z]/.test(key))
    .map(([key, o]): [string, string] => [key, `--${o.flag}`]),
  // The CoNLL reader's column options, which every command that reads CoNLL has.
  ['tokenColumn', '--token-column'],
  ['tagColumn', '--tag-column'],
]);

/**
 * `message` with each library option name replaced by its flag, where it
 * stands as a word: not a field in a path (`state.learningRate`,
 * `training.options.learningRate`) nor a quoted key (`"learningRate"`),
 * which name what is in a file.
 */
export function withFlags(message: string): string {
  return message.replace(/(?<![.\w"'`])[a-z]+[A-Z][A-Za-z]*(?![\w"'`]|\.\w)/g, (word) => FLAGS.get(word) ?? word);
}
