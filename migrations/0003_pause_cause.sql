ALTER TABLE "upgrades" ADD COLUMN "paused_by" text;--> statement-breakpoint
UPDATE "upgrades" SET "paused_by" = CASE WHEN "reason" LIKE '%(maxFailures%' THEN 'failures' ELSE 'operator' END WHERE "state" = 'paused';
