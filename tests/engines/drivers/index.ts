import type { EngineDriver, EngineName } from '../driver';
import { launchPuppeteer } from './puppeteer';
import { launchWebKit } from './webkit';

export function launchEngine(engine: EngineName): Promise<EngineDriver> {
  return engine === 'webkit' ? launchWebKit() : launchPuppeteer(engine);
}
