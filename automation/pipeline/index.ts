// Promotion pipelines: a version taken stage by stage through a project's stacks
// (progressive.pipeline.yaml), with waves, soak, approvals and rejections kept in the release store.
export {
  type PipelineStatus,
  pipelineApprove,
  pipelineReject,
  pipelineStatus,
  pipelineStatusCommand,
  type StackStatus,
  type StageStatus,
} from "./commands";
export { openPipeline, type PipelineTarget } from "./context";
export {
  type PipelineDocument,
  type PipelineEvent,
  PipelineState,
  pipelineKey,
  pipelineLeaseKey,
  type Rejection,
  type StackRun,
  type StageRun,
} from "./document";
export {
  beginPromote,
  DEFAULT_MAX_SOAK_WAIT_MS,
  type PromoteOptions,
  type PromoteResult,
  pipelinePromote,
} from "./promote";
export { loadPipeline, PIPELINE_FILE, type Pipeline, type PipelineStage, parsePipeline } from "./spec";
