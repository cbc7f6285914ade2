/**
 * The command line: its options, their help, and the settings they make.
 *
 * The options are the web page's settings under the same names and defaults
 * (core/settings.ts, core/presets.ts); each value is checked by the same
 * normaliseSettings the page uses, so a bad value stops with that check's own
 * words, prefixed by the option that carried it. Usage errors exit with 2.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ENCODER_SETTINGS } from '../core/codecs/registry';
import { isThumbnailError } from '../core/errors';
import { CROP_FOCI, FIT_MODES, OUTPUT_FORMATS, RESIZE_METHODS } from '../core/options';
import { applyPreset, PRESETS, type PresetId } from '../core/presets';
import { DEFAULT_SETTINGS, normaliseSettings, type BatchSettings, type SettingsInput } from '../core/settings';

/** A usage error: the message is printed and the process exits with 2. */
export class UsageError extends Error {}

const EXAMPLES = `
Examples:
  $ npx thumbnail-generator photos/ -o thumbs/
      every image in photos/ as a 256×256 (at most) thumbnail in thumbs/
  $ npx thumbnail-generator -r photos/ -o thumbs/ --format webp --sizes 64,128,256
      photos/ and its subfolders, three WebP sizes of each, folders kept
  $ npx thumbnail-generator 'shots/**/*.png' --preset classic -o small/
      the old API's 100×100 stretched thumbnails, in each input's own format
  $ npx thumbnail-generator https://example.com/cat.jpg -o thumbs/ --fit cover --width 200 --height 200
  $ base64 -w 76 photo.jpg | npx thumbnail-generator - -o thumbs/ --json
      base64, a data URL or the old API's JSON body ({"image_data": ...} / {"image_url": ...}) on standard input

Output files are named {name}-{width}x{height}.{ext}, as the web app's downloads.
An output that already exists is skipped unless --overwrite; an input is never overwritten.
Exit status: 0 all done (or skipped), 1 some failed, 2 usage error.
`;

/** Checks one option's value with the page's own rules, so the message is theirs; names the option on failure. */
function checked(field: keyof SettingsInput) {
  return (value: string): string => {
    try {
      normaliseSettings({ [field]: value } as SettingsInput);
    } catch (e) {
      throw new InvalidArgumentError(isThumbnailError(e) ? e.message : String(e));
    }
    return value;
  };
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A codec's own setting (AVIF speed) as --<codec>-<key>: '--avif-speed'. */
function encoderOptionName(setting: (typeof ENCODER_SETTINGS)[number]): string {
  return kebab(setting.label.toLowerCase().replace(/\s+/g, '-'));
}

export function createProgram(): Command {
  const d = DEFAULT_SETTINGS;
  const program = new Command('thumbnail-generator')
    .description('Makes thumbnails of images on this computer, with the same results as the Thumbnail Generator web app.')
    .usage('[options] <inputs...>')
    .argument('<inputs...>', 'image files, folders, glob patterns, http(s) URLs, or - for base64/JSON on standard input')
    .option('-o, --out <folder>', 'where the thumbnails go', 'thumbnails')
    .option('-r, --recursive', 'include subfolders of folders, and keep their structure in the output')
    .addOption(new Option('--preset <name>', 'start from a preset (explicit options override it)').choices(PRESETS.map((p) => p.id)))
    .option('--width <px>', 'box width', checked('width'), String(d.width))
    .option('--height <px>', 'box height', checked('height'), String(d.height))
    .addOption(new Option('--fit <mode>', 'inside keeps the aspect; cover crops to fill; contain letterboxes; fill stretches').choices(FIT_MODES).default(d.fit))
    .addOption(new Option('--format <format>', 'output format; same keeps the input\'s (PNG for BMP/GIF)').choices([...OUTPUT_FORMATS, 'jpg', 'legacy']).default(d.format))
    .option('--quality <1-100>', 'quality of lossy formats', checked('quality'), String(d.quality))
    .option('--sizes <list>', 'a size set: several box widths, e.g. 64,128,256 (each keeps the box\'s proportions)', checked('sizes'))
    .option('--scale <percent>', 'a percentage of the original instead of the box (1-400; over 100 needs --enlarge)', checked('scalePercent'))
    .option('--background <#rrggbb>', 'letterbox colour, and what transparency becomes in JPEG', checked('background'), d.background)
    .option('--enlarge', 'let images smaller than the box grow')
    .option('--max-pixels <n>', 'refuse images with more pixels than this (read from the header, before decoding)', checked('maxPixels'), String(d.maxPixels))
    .addOption(new Option('--method <kernel>', 'resize method').choices(RESIZE_METHODS).default(d.method))
    .addOption(new Option('--focus <where>', 'where a cover crop sits').choices(CROP_FOCI).default(d.focus))
    .option('--name <pattern>', 'file names: {name} {width} {height} {fit} {format} {quality} {method}', checked('namePattern'), d.namePattern);
  for (const setting of ENCODER_SETTINGS) {
    program.option(`--${encoderOptionName(setting)} <${setting.min}-${setting.max}>`, setting.hint ?? setting.label, (value: string) => {
      try {
        normaliseSettings({ encoderSettings: { [setting.key]: value } } as unknown as SettingsInput);
      } catch (e) {
        throw new InvalidArgumentError(isThumbnailError(e) ? e.message : String(e));
      }
      return value;
    }, String(setting.default));
  }
  return program
    .option('--overwrite', 'replace thumbnails that already exist')
    .option('--json', 'print one JSON line per thumbnail (and per failed input) on standard output')
    .option('-j, --jobs <n>', 'worker threads (default: one per core)', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) throw new InvalidArgumentError('Jobs must be a whole number from 1 to 64.');
      return v;
    })
    .version(typeof __CLI_VERSION__ === 'string' ? __CLI_VERSION__ : 'source', '-V, --version')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(run with --help for every option)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
}

/** package.json's version, written in by the bin's build (bin/thumbnail-generator.mjs). */
declare const __CLI_VERSION__: string | undefined;

/**
 * The settings the options make: the defaults, then the preset's fields (as the
 * page's preset menu writes them), then every option given on the command line.
 */
export function settingsFrom(opts: Record<string, unknown>, given: (name: string) => boolean): BatchSettings {
  let base: BatchSettings = { ...DEFAULT_SETTINGS };
  if (typeof opts.preset === 'string') base = applyPreset(base, opts.preset as PresetId);
  const input: SettingsInput = { ...base };
  const take = (option: string, field: keyof SettingsInput, value: unknown = opts[option]) => {
    if (given(option)) (input as Record<string, unknown>)[field] = value;
  };
  take('width', 'width');
  take('height', 'height');
  take('fit', 'fit');
  take('format', 'format');
  take('quality', 'quality');
  take('sizes', 'sizes');
  take('scale', 'scalePercent');
  take('background', 'background');
  take('enlarge', 'allowEnlarge');
  take('maxPixels', 'maxPixels');
  take('method', 'method');
  take('focus', 'focus');
  take('name', 'namePattern');
  const encoderSettings: Record<string, unknown> = { ...base.encoderSettings };
  for (const setting of ENCODER_SETTINGS) {
    const option = camel(encoderOptionName(setting));
    if (given(option)) encoderSettings[setting.key] = opts[option];
  }
  input.encoderSettings = encoderSettings as BatchSettings['encoderSettings'];
  // The page offers a size set or a percentage, never both; here both would silently drop the sizes.
  if (given('sizes') && given('scale')) throw new UsageError('--sizes and --scale cannot be used together: a size set is of boxes, --scale is a percentage of the original.');
  try {
    return normaliseSettings(input);
  } catch (e) {
    // Each value passed its own check; what is left is how they combine (a size set with --scale...).
    throw new UsageError(isThumbnailError(e) ? e.message : String(e));
  }
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
