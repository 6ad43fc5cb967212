// The scenario library's public surface: load scenario files, run them on any Backend, format the results.
export { loadScenarioFile, loadScenarios, parseScenarioText, scenarioFiles, scenarioLibraryDir, scenarioValidator, parseDuration, isConnectivityProbe } from './load.js';
export { applyLabEdits, compileEditedLab } from './lab-edits.js';
export { runScenario, runScenarios, runSteps, checkProbe, checkObservation, observeProbes, observeScenario, observeUnbroken, outputsMatch } from './run.js';
export type { BackendFactory, Phase, ProbeCheck, RunOptions, RunReport, ScenarioObservation, ScenarioResult, StepFailure } from './run.js';
export { applyObservation, recordExpectations } from './record.js';
export type { RecordedProbe } from './record.js';
export { formatReportText, formatResultText, formatJunit, formatList, formatShow, reportJson, summaryLine, xmlEscape } from './report.js';
export { unifiedDiff } from './diff.js';
export type { CheckProbe, RecordedOn, Scenario, ScenarioFile, ScenarioProbe, ScenarioStep } from './types.js';
