/*
 * sched_daemon: the scheduler (EventBridge rule + Glue triggers): runs the pipeline file's
 * generator, jobs and crawlers on their schedules and conditional triggers, on a clock that can
 * run faster than real time for demos and tests.
 *
 * One daemon per lake (a lock); tasks run one at a time, in a fixed order when due together
 * (generator, then jobs, then crawlers), so a job never overlaps itself. A failed job run is
 * retried after its backoff, doubling each time, up to max_retries; crawlers triggered on a job's
 * SUCCEEDED or FAILED run after the job's final outcome. SIGTERM (the stop flag) ends the task in
 * progress at a safe point: the generator discards the object in flight, the ETL finishes its
 * current batch; nothing is lost or duplicated.
 */
#ifndef EV_SCHED_DAEMON_H
#define EV_SCHED_DAEMON_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "cfg_pipeline.h"
#include "ev_status.h"

typedef struct sched_daemon_options {
    const char *home;
    double clock_speed;         /* simulated seconds per real second (default 1) */
    int64_t start_usec;         /* the simulated clock's start (default: now) */
    int64_t until_usec;         /* stop once the simulated clock passes this; 0 = run until stopped */
    int json_logs;              /* log as JSON lines instead of text */
    FILE *log;                  /* where logs go (stderr by default) */
    const char *inject_failure; /* tests: "JOB:N[,N...]": those runs of JOB fail */
    int threads;                /* for the generator and the ETL (default: cores) */
    volatile sig_atomic_t *stop;
} sched_daemon_options;

typedef struct sched_daemon_report {
    size_t objects;        /* generator objects written */
    size_t job_runs;       /* job runs, retries included */
    size_t job_failures;   /* failed job runs */
    size_t retries;
    size_t crawler_runs;
    int64_t sim_end_usec;  /* the simulated time the daemon stopped at */
} sched_daemon_report;

void sched_daemon_options_default(sched_daemon_options *o);

/* Runs the pipeline until o->until_usec or until *o->stop. */
ev_status sched_daemon_run(const cfg_pipeline *p, const sched_daemon_options *o, sched_daemon_report *rep,
                           ev_error *err) EV_WUR;

#endif
