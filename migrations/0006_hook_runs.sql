CREATE TABLE "hook_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"upgrade_id" integer NOT NULL,
	"name" text NOT NULL,
	"service" text,
	"node" text NOT NULL,
	"state" text NOT NULL,
	"exit_code" integer,
	"output_tail" text DEFAULT '' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "hook_runs" ADD CONSTRAINT "hook_runs_upgrade_id_upgrades_id_fk" FOREIGN KEY ("upgrade_id") REFERENCES "public"."upgrades"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hook_runs_by_upgrade" ON "hook_runs" USING btree ("upgrade_id","id");