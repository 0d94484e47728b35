#!/usr/bin/env python3
"""Writes schemas/events/data/<event type>.schema.json for every HireLedger event type.

The per-type files are generated so that each is self-contained (no cross-file $ref for a validator to
resolve). Edit this script, run it from the repository root (`python3 schemas/tools/generate_event_schemas.py`),
and commit the output. The Swift test `EventSchemaFileTests` checks that every `EventType` has a file whose
`$id` is the `dataschema` URI HireLedger emits, and that the classifier's output matches the schemas' members.
"""
import json, os

BASE = "https://hireledger.dev/schemas/events/data/"
OUT = os.path.join(os.path.dirname(__file__), "..", "events", "data")

KINDS = ["job", "job_posting", "opening", "candidate", "application", "interview", "interview_schedule",
         "interview_plan", "interview_stage", "archive_reason", "close_reason", "source", "candidate_tag",
         "custom_field", "department", "location", "user", "offer"]

def nullable(t):
    return {"type": [t, "null"]}

STR, NSTR = {"type": "string"}, nullable("string")
TS = {"type": "string", "description": "ISO 8601 timestamp (Ashby: UTC with milliseconds)"}
NTS = {"type": ["string", "null"], "description": "ISO 8601 timestamp, or null when unknown"}
DATE = {"type": ["string", "null"], "description": "YYYY-MM-DD as Ashby sends it (offer start dates may be date-times)"}

DEFS = {
    "jobSummary": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "title", "departmentId", "locationId"],
        "properties": {"id": STR, "title": NSTR, "departmentId": NSTR, "locationId": NSTR},
    },
    "stage": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "title", "type", "orderInInterviewPlan"],
        "properties": {"id": STR, "title": NSTR,
                       "type": {"type": ["string", "null"], "description": "Lead, PreInterviewScreen, Active, Offer, Hired, Archived"},
                       "orderInInterviewPlan": nullable("integer")},
    },
    "patchOperation": {
        "type": "object", "additionalProperties": False, "required": ["op", "path"],
        "properties": {"op": {"enum": ["add", "remove", "replace"]}, "path": {"type": "string", "description": "RFC 6901 JSON Pointer"}, "value": {}},
        "if": {"properties": {"op": {"const": "remove"}}}, "then": {"not": {"required": ["value"]}}, "else": {"required": ["value"]},
    },
}
JOB = {"anyOf": [{"$ref": "#/$defs/jobSummary"}, {"type": "null"}]}
STAGE = {"anyOf": [{"$ref": "#/$defs/stage"}, {"type": "null"}]}

def record_schema(kind, action):
    if action in ("created", "restored"):
        props, req = {"record": {"type": "object", "description": f"The normalised Ashby {kind} record"}}, ["record"]
    elif action == "updated":
        props = {
            "patch": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/patchOperation"},
                      "description": "RFC 6902 patch from the previous normalised record to the new one"},
            "changes": {"type": "object", "description": "Changed top-level members; a side is absent when the member was",
                        "additionalProperties": {"type": "object", "additionalProperties": False,
                                                 "properties": {"before": {}, "after": {}}}},
        }
        req = ["patch", "changes"]
    else:
        props = {"reason": {"enum": ["absent_from_full_sync", "merged", "deleted_in_source"]},
                 "mergedInto": {"type": "string"}, "lastKnown": {"type": "object"}}
        req = ["reason"]
    return props, req, f"Data of record.{kind}.{action}: the {kind} record was {action}."

APPLICATION = {"applicationId": STR, "candidateId": NSTR, "status": NSTR, "job": JOB}
OFFER = {"offerId": STR, "applicationId": NSTR, "candidateId": NSTR, "job": JOB, "acceptanceStatus": NSTR,
         "offerStatus": NSTR, "versionId": NSTR, "openingId": NSTR, "startDate": DATE,
         "salary": {"anyOf": [{"type": "object", "additionalProperties": False, "required": ["currencyCode", "value"],
                               "properties": {"currencyCode": NSTR, "value": nullable("number")}}, {"type": "null"}]}}
OPENING = {"openingId": STR, "identifier": NSTR, "state": NSTR, "previousState": NSTR, "openedAt": NTS, "closedAt": NTS,
           "closeReasonId": NSTR, "departmentId": NSTR, "locationIds": {"type": "array", "items": STR},
           "jobs": {"type": "array", "items": {"$ref": "#/$defs/jobSummary"}}, "employmentType": NSTR,
           "isBackfill": nullable("boolean"), "targetHireDate": DATE, "targetStartDate": DATE}
JOBDATA = {"jobId": STR, "title": NSTR, "status": NSTR, "previousStatus": NSTR, "departmentId": NSTR, "locationId": NSTR,
           "employmentType": NSTR, "confidential": nullable("boolean"), "requisitionId": NSTR, "openedAt": NTS, "closedAt": NTS}
CANDIDATE = {"candidateId": STR, "applicationIds": {"type": ["array", "null"], "items": STR}}

DOMAIN = {
    "application.stage_changed": (APPLICATION | {"fromStage": STAGE, "toStage": {"$ref": "#/$defs/stage"},
                                                 "enteredStageAt": NTS, "historyEntryId": NSTR},
                                  "The application entered another interview stage. enteredStageAt and historyEntryId come from the application history when it was read (then occurredAt is real), else null."),
    "application.hired": (APPLICATION | {"stage": STAGE}, "The application's status or stage type became Hired."),
    "application.archived": (APPLICATION | {"stage": STAGE, "archivedAt": NTS,
                                            "archiveReason": {"anyOf": [{"type": "object", "additionalProperties": False,
                                                                         "required": ["id", "text", "reasonType"],
                                                                         "properties": {"id": NSTR, "text": NSTR, "reasonType": NSTR}},
                                                                        {"type": "null"}]}},
                             "The application's status became Archived."),
    "application.unarchived": (APPLICATION | {"stage": STAGE}, "The application's status left Archived."),
    "offer.created": (OFFER, "An offer was first seen."),
    "offer.accepted": (OFFER | {"decidedAt": NTS}, "The offer's acceptanceStatus became Accepted or its offerStatus CandidateAccepted."),
    "offer.declined": (OFFER | {"decidedAt": NTS}, "The offer's acceptanceStatus became Declined or its offerStatus CandidateRejected."),
    "offer.cancelled": (OFFER | {"decidedAt": NTS}, "The offer's acceptanceStatus became Cancelled or its offerStatus OfferCancelled."),
    "offer.start_date_changed": (OFFER | {"previousStartDate": DATE}, "The latest offer version's startDate changed."),
    "opening.opened": (OPENING, "The opening's state became Open (or it was first seen with an openedAt)."),
    "opening.filled": (OPENING, "The opening's state became Filled."),
    "opening.closed": (OPENING, "The opening's state became Closed."),
    "opening.target_start_date_changed": (OPENING | {"previousTargetStartDate": DATE, "collapsedFields": {"type": "array", "items": {"type": "string"}, "description": "Fields whose intermediate values between two polls Ashby does not expose: this event is their net change since the previous poll"}}, "The opening's latest version changed targetStartDate."),
    "job.opened": (JOBDATA, "The job's status became Open (or it was first seen with an openedAt)."),
    "job.closed": (JOBDATA, "The job's status became Closed."),
    "candidate.merged": (CANDIDATE | {"mergedIntoCandidateId": NSTR}, "The candidate was merged into another and its record removed."),
    "candidate.deleted": (CANDIDATE | {"reason": {"enum": ["absent_from_full_sync", "deleted_in_source"]}}, "The candidate record is gone."),
}

def write(type_name, props, required, description):
    used = json.dumps(props)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE}{type_name}.schema.json",
        "title": f"ashby.{type_name} data",
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": props,
    }
    defs = {k: v for k, v in DEFS.items() if f"#/$defs/{k}" in used}
    if defs:
        schema["$defs"] = defs
    with open(os.path.join(OUT, f"{type_name}.schema.json"), "w") as f:
        json.dump(schema, f, indent=2)
        f.write("\n")

for kind in KINDS:
    for action in ["created", "updated", "deleted", "restored"]:
        props, req, desc = record_schema(kind, action)
        write(f"record.{kind}.{action}", props, req, desc)
for name, (props, desc) in DOMAIN.items():
    write(name, props, sorted(props.keys()), desc)
