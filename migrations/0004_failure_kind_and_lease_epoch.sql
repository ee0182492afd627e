ALTER TABLE "failures" ADD COLUMN "kind" text DEFAULT 'phase' NOT NULL;--> statement-breakpoint
ALTER TABLE "upgrades" ADD COLUMN "lease_epoch" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "failures" ADD CONSTRAINT "failures_kind" CHECK ("failures"."kind" in ('phase', 'hook', 'infrastructure', 'skew'));