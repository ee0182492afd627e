CREATE TABLE "approval_requests" (
	"id" serial PRIMARY KEY NOT NULL,
	"environment" text NOT NULL,
	"verb" text NOT NULL,
	"command" jsonb NOT NULL,
	"requester_id" text NOT NULL,
	"requester_platform" text NOT NULL,
	"requester_name" text NOT NULL,
	"requester_context" jsonb NOT NULL,
	"needed" integer NOT NULL,
	"state" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"upgrade_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"request_id" integer NOT NULL,
	"actor_id" text NOT NULL,
	"actor_name" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "approvals_request_id_actor_id_pk" PRIMARY KEY("request_id","actor_id")
);
--> statement-breakpoint
CREATE TABLE "locks" (
	"environment" text PRIMARY KEY NOT NULL,
	"holder_id" text NOT NULL,
	"holder_name" text NOT NULL,
	"reason" text NOT NULL,
	"since" timestamp with time zone NOT NULL
);
--> statement-breakpoint
DROP INDEX "upgrades_one_active_per_environment";--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "request_id" integer;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "environment" text;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_request_id_approval_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."approval_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approval_requests_pending" ON "approval_requests" USING btree ("state","expires_at");--> statement-breakpoint
CREATE INDEX "audit_log_by_environment" ON "audit_log" USING btree ("environment","id");--> statement-breakpoint
CREATE UNIQUE INDEX "upgrades_one_active_per_environment" ON "upgrades" USING btree ("environment") WHERE state in ('awaiting_approval', 'planned', 'running', 'paused', 'rolling_back');