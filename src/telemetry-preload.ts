// Loaded with `node --import` before the app: starts telemetry when it is configured (telemetry.ts).
import { startTelemetry } from './telemetry.js';

await startTelemetry(process.env);
