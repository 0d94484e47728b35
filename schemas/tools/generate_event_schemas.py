#!/usr/bin/env python3
"""Writes schemas/events/data/<event type>.schema.json for every HireLedger event type.

The per-type files are generated so that each is self-contained (no cross-file $ref for a validator to
resolve). Edit this script, run it from the repository root (`python3 schemas/tools/generate_event_schemas.py`),
and commit the output. The Swift test `EventSchemaFileTests` checks that every `EventType` has a file whose
`$id` is the `dataschema` URI HireLedger emits, and that the classifier's output matches the schemas' members;
`DomainEventPayloadSchemaTests` validates every Swift payload type's encoding against its schema and decodes
every example below into the payload type.
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
    "candidate.erased": ({"candidateId": STR,
                          "fields": {"description": "The candidate fields whose values were erased.", "type": "array", "items": STR},
                          "eventsRewritten": {"type": "integer", "minimum": 0}, "rowsRewritten": {"type": "integer", "minimum": 0},
                          "reason": NSTR},
                         "HireLedger erased this candidate's personal data from every stored event, state row and view (an erasure request, e.g. GDPR art. 17). The events keep their positions, types and stage moves; their personal values now read \"[erased]\". Consumers should erase their copies of this candidate's personal data."),
}

# One example of each domain event's data (`examples` in its schema). The Swift test
# `DomainEventPayloadSchemaTests` validates each against its schema and decodes it into the Swift
# payload type (Sources/HireLedgerCore/Events/Payloads), which must encode it back unchanged.
JOB_EX = {"id": "0b2d3c4e-1111-4a5b-9c6d-7e8f9a0b1c2d", "title": "Senior Backend Engineer",
          "departmentId": "5a6b7c8d-2222-4e5f-8a9b-0c1d2e3f4a5b", "locationId": "9c8b7a6d-3333-4f5e-8d7c-6b5a4f3e2d1c"}
STAGE_SCREEN = {"id": "e1f2a3b4-4444-4c5d-8e9f-0a1b2c3d4e5f", "title": "Phone Screen", "type": "PreInterviewScreen", "orderInInterviewPlan": 1}
STAGE_ONSITE = {"id": "f2a3b4c5-5555-4d6e-9f0a-1b2c3d4e5f6a", "title": "Onsite", "type": "Active", "orderInInterviewPlan": 3}
STAGE_HIRED = {"id": "a3b4c5d6-6666-4e7f-8a1b-2c3d4e5f6a7b", "title": "Hired", "type": "Hired", "orderInInterviewPlan": 6}
APP_EX = {"applicationId": "c4d5e6f7-7777-4f8a-9b2c-3d4e5f6a7b8c", "candidateId": "d5e6f7a8-8888-4a9b-8c3d-4e5f6a7b8c9d",
          "status": "Active", "job": JOB_EX}
OFFER_EX = {"offerId": "e6f7a8b9-9999-4b0c-9d4e-5f6a7b8c9d0e", "applicationId": APP_EX["applicationId"],
            "candidateId": APP_EX["candidateId"], "job": JOB_EX, "acceptanceStatus": "Pending",
            "offerStatus": "WaitingOnCandidateResponse", "versionId": "f7a8b9c0-aaaa-4c1d-8e5f-6a7b8c9d0e1f",
            "openingId": "a8b9c0d1-bbbb-4d2e-9f6a-7b8c9d0e1f2a", "startDate": "2026-09-01",
            "salary": {"currencyCode": "EUR", "value": 98000}}
OPENING_EX = {"openingId": OFFER_EX["openingId"], "identifier": "ENG-42", "state": "Open", "previousState": "Approved",
              "openedAt": "2026-05-04T09:30:00.000Z", "closedAt": None, "closeReasonId": None,
              "departmentId": JOB_EX["departmentId"], "locationIds": [JOB_EX["locationId"]], "jobs": [JOB_EX],
              "employmentType": "FullTime", "isBackfill": False, "targetHireDate": "2026-08-01", "targetStartDate": "2026-09-01"}
JOBDATA_EX = {"jobId": JOB_EX["id"], "title": JOB_EX["title"], "status": "Open", "previousStatus": "Draft",
              "departmentId": JOB_EX["departmentId"], "locationId": JOB_EX["locationId"], "employmentType": "FullTime",
              "confidential": False, "requisitionId": "REQ-2026-017", "openedAt": "2026-04-20T08:00:00.000Z", "closedAt": None}
EXAMPLES = {
    "application.stage_changed": APP_EX | {"fromStage": STAGE_SCREEN, "toStage": STAGE_ONSITE,
                                           "enteredStageAt": "2026-05-30T16:00:01.000Z",
                                           "historyEntryId": "b9c0d1e2-cccc-4e3f-8a7b-8c9d0e1f2a3b"},
    "application.hired": APP_EX | {"status": "Hired", "stage": STAGE_HIRED},
    "application.archived": APP_EX | {"status": "Archived", "stage": STAGE_ONSITE, "archivedAt": "2026-06-01T10:00:00.000Z",
                                      "archiveReason": {"id": "c0d1e2f3-dddd-4f4a-9b8c-9d0e1f2a3b4c", "text": "Position filled",
                                                        "reasonType": "RejectedByOrg"}},
    "application.unarchived": APP_EX | {"stage": STAGE_ONSITE},
    "offer.created": OFFER_EX,
    "offer.accepted": OFFER_EX | {"acceptanceStatus": "Accepted", "offerStatus": "CandidateAccepted", "decidedAt": "2026-06-10T12:00:00.000Z"},
    "offer.declined": OFFER_EX | {"acceptanceStatus": "Declined", "offerStatus": "CandidateRejected", "decidedAt": "2026-06-10T12:00:00.000Z"},
    "offer.cancelled": OFFER_EX | {"acceptanceStatus": "Cancelled", "offerStatus": "OfferCancelled", "decidedAt": None},
    "offer.start_date_changed": OFFER_EX | {"startDate": "2026-09-15", "previousStartDate": "2026-09-01"},
    "opening.opened": OPENING_EX,
    "opening.filled": OPENING_EX | {"state": "Filled", "previousState": "Open", "closedAt": "2026-06-12T09:00:00.000Z"},
    "opening.closed": OPENING_EX | {"state": "Closed", "previousState": "Open", "closedAt": "2026-06-12T09:00:00.000Z",
                                    "closeReasonId": "d1e2f3a4-eeee-4a5b-8c9d-0e1f2a3b4c5d"},
    "opening.target_start_date_changed": OPENING_EX | {"targetStartDate": "2026-10-01", "previousTargetStartDate": "2026-09-01",
                                                       "collapsedFields": ["latestVersion.targetStartDate"]},
    "job.opened": JOBDATA_EX,
    "job.closed": JOBDATA_EX | {"status": "Closed", "previousStatus": "Open", "closedAt": "2026-07-01T17:00:00.000Z"},
    "candidate.merged": {"candidateId": APP_EX["candidateId"], "applicationIds": [APP_EX["applicationId"]],
                         "mergedIntoCandidateId": "e2f3a4b5-ffff-4b6c-9d0e-1f2a3b4c5d6e"},
    "candidate.deleted": {"candidateId": APP_EX["candidateId"], "applicationIds": None, "reason": "deleted_in_source"},
    "candidate.erased": {"candidateId": APP_EX["candidateId"], "fields": ["name", "primaryEmailAddress", "phoneNumbers"],
                         "eventsRewritten": 12, "rowsRewritten": 3, "reason": "erasure request 2026-11"},
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
    if type_name in EXAMPLES:
        schema["examples"] = [EXAMPLES[type_name]]
    with open(os.path.join(OUT, f"{type_name}.schema.json"), "w") as f:
        json.dump(schema, f, indent=2)
        f.write("\n")

for kind in KINDS:
    for action in ["created", "updated", "deleted", "restored"]:
        props, req, desc = record_schema(kind, action)
        write(f"record.{kind}.{action}", props, req, desc)
# Members added after events were first written: absent from older events, so not required.
OPTIONAL = {"collapsedFields"}
for name, (props, desc) in DOMAIN.items():
    write(name, props, sorted(k for k in props if k not in OPTIONAL), desc)
