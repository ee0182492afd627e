CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" text NOT NULL,
	"actor_platform" text NOT NULL,
	"actor_name" text NOT NULL,
	"command" text NOT NULL,
	"args" jsonb NOT NULL,
	"outcome" text NOT NULL,
	"upgrade_id" integer
);
--> statement-breakpoint
CREATE TABLE "consumer_cursors" (
	"name" text PRIMARY KEY NOT NULL,
	"cursor" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "digest_runs" (
	"environment" text NOT NULL,
	"scheduled_at" timestamp with time zone NOT NULL,
	"claimed_by" text NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "digest_runs_environment_scheduled_at_pk" PRIMARY KEY("environment","scheduled_at")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"upgrade_id" integer NOT NULL,
	"type" text NOT NULL,
	"data" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "failures" (
	"id" serial PRIMARY KEY NOT NULL,
	"upgrade_id" integer NOT NULL,
	"fingerprint" text NOT NULL,
	"service" text NOT NULL,
	"phase" text NOT NULL,
	"exit_code" integer,
	"nodes" jsonb NOT NULL,
	"output_tail" text NOT NULL,
	"state" text NOT NULL,
	"culprit" jsonb,
	"acked_by" text,
	"acked_at" timestamp with time zone,
	"ack_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_refs" (
	"platform" text NOT NULL,
	"channel" text NOT NULL,
	"key" text NOT NULL,
	"ref" text NOT NULL,
	"thread_ref" text,
	CONSTRAINT "message_refs_platform_channel_key_pk" PRIMARY KEY("platform","channel","key")
);
--> statement-breakpoint
CREATE TABLE "node_versions" (
	"environment" text NOT NULL,
	"node" text NOT NULL,
	"service" text NOT NULL,
	"version" text NOT NULL,
	"observed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "node_versions_environment_node_service_pk" PRIMARY KEY("environment","node","service")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"channel" text NOT NULL,
	"key" text NOT NULL,
	"thread_of" text,
	"message" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"superseded" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "phase_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"unit_id" integer NOT NULL,
	"phase" text NOT NULL,
	"exit_code" integer,
	"signal" text,
	"stdout_tail" text NOT NULL,
	"stderr_tail" text NOT NULL,
	"duration_ms" integer NOT NULL,
	"interrupted" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "processed_events" (
	"platform" text NOT NULL,
	"event_id" text NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "processed_events_platform_event_id_pk" PRIMARY KEY("platform","event_id")
);
--> statement-breakpoint
CREATE TABLE "units" (
	"id" serial PRIMARY KEY NOT NULL,
	"upgrade_id" integer NOT NULL,
	"wave" integer NOT NULL,
	"seq" integer NOT NULL,
	"service" text NOT NULL,
	"node" text NOT NULL,
	"state" text NOT NULL,
	"phase" text,
	"started_seq" integer,
	"exit_code" integer,
	"output_tail" text DEFAULT '' NOT NULL,
	"version_before" text,
	"version_after" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "upgrades" (
	"id" serial PRIMARY KEY NOT NULL,
	"environment" text NOT NULL,
	"release" text NOT NULL,
	"state" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"plan" jsonb NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"current_wave" integer DEFAULT 0 NOT NULL,
	"started_by" text NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "waves" (
	"upgrade_id" integer NOT NULL,
	"index" integer NOT NULL,
	"service" text NOT NULL,
	"state" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "waves_upgrade_id_index_pk" PRIMARY KEY("upgrade_id","index")
);
--> statement-breakpoint
ALTER TABLE "failures" ADD CONSTRAINT "failures_upgrade_id_upgrades_id_fk" FOREIGN KEY ("upgrade_id") REFERENCES "public"."upgrades"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phase_runs" ADD CONSTRAINT "phase_runs_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_upgrade_id_upgrades_id_fk" FOREIGN KEY ("upgrade_id") REFERENCES "public"."upgrades"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waves" ADD CONSTRAINT "waves_upgrade_id_upgrades_id_fk" FOREIGN KEY ("upgrade_id") REFERENCES "public"."upgrades"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "failures_by_fingerprint" ON "failures" USING btree ("upgrade_id","fingerprint");--> statement-breakpoint
CREATE INDEX "message_refs_by_ref" ON "message_refs" USING btree ("platform","channel","ref");--> statement-breakpoint
CREATE INDEX "outbox_due" ON "outbox" USING btree ("platform","delivered_at","id");--> statement-breakpoint
CREATE INDEX "phase_runs_by_unit" ON "phase_runs" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "units_by_upgrade" ON "units" USING btree ("upgrade_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "upgrades_one_active_per_environment" ON "upgrades" USING btree ("environment") WHERE state in ('planned', 'running', 'paused', 'rolling_back');