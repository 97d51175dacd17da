// The few parts of nlp.js (CommonJS, no type declarations of its own) that the intent model uses.
declare module '@nlpjs/core' {
  export interface Container {
    use(plugin: unknown): void;
    register(name: string, value: unknown, isSingleton?: boolean): void;
  }
  export function containerBootstrap(): Promise<Container>;
}

declare module '@nlpjs/nlu' {
  import type { Container } from '@nlpjs/core';
  export interface NluClassification {
    intent: string;
    score: number;
  }
  export interface NluResult {
    locale: string;
    utterance: string;
    intent: string;
    score: number;
    classifications: NluClassification[];
  }
  export class NluManager {
    constructor(settings: Record<string, unknown>);
    add(locale: string, utterance: string, intent: string): void;
    train(settings?: Record<string, unknown>): Promise<unknown>;
    process(locale: string, utterance: string): Promise<NluResult>;
    toJSON(): unknown;
    fromJSON(json: unknown): void;
  }
  export class NluNeural {
    constructor(settings?: Record<string, unknown>, container?: Container);
    cache?: { results: Record<string, unknown> };
    defaultPipelinePrepare(input: { settings: { locale: string } }): Promise<unknown>;
  }
}

declare module '@nlpjs/lang-en-min' {
  export const LangEn: unknown;
}

declare module '@nlpjs/similarity' {
  export class SpellCheck {
    constructor(settings: { features: Record<string, number>; minLength?: number });
    checkToken(token: string, distance: number): string;
  }
}
