/*
 * cfg: the pipeline file (the CloudFormation stack's role): one declarative YAML file describing
 * storage, the generator, jobs, crawlers and the workgroup.
 *
 * This header provides the default file that `evlake init` writes; parsing and validation
 * (libyaml into a typed cfg_pipeline, errors with file:line:column) are in cfg_pipeline.h;
 * plan/apply come with the scheduler.
 */
#ifndef EV_CFG_H
#define EV_CFG_H

#define CFG_PIPELINE_FILE "pipeline.yml"
#define CFG_CATALOG_FILE "catalog.db"

/* The default pipeline file: it mirrors the classic stack (generator every 5 minutes, an hourly
 * ETL job with bookmarks, a crawler triggered on the job's success, an Athena-like workgroup).
 * Static storage, NUL-terminated. */
const char *cfg_default_pipeline_yaml(void);

#endif
