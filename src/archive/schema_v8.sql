-- Schema version 8: corrections.
--
-- A judgement row keeps the correction, clarification or editor's note the capture added to
-- the previous one's text (content::correction), so that the sweep and the report can say
-- "the source published a correction" as news of its own.
ALTER TABLE judgements ADD COLUMN correction TEXT;
