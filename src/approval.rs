//! The release gate between judging and exporting, one policy for every front end: a photo that
//! passes goes out; a photo that fails or needs a person goes out only when a named person
//! confirms each such rule (and gives a reason for overriding a failure, where the studio allows
//! overrides at all). Who confirmed what, and when, travels into the summary.

use serde::{Deserialize, Serialize};

use crate::judge::{Overall, RuleId, Status, Verdict};

/// What the studio allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// May staff export a photo despite a failed rule?
    pub allow_fail_override: bool,
    /// Must an override of a failed rule carry a written reason?
    pub reason_for_fail: bool,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy { allow_fail_override: true, reason_for_fail: true }
    }
}

/// A person's confirmation of the rules they looked at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Confirm {
    pub rules: Vec<RuleId>,
    pub by: Option<String>,
    pub reason: Option<String>,
    pub role: Role,
}

/// Who confirmed: studio staff, or the applicant checking their own photo (laptop). The slip
/// and summary say which, so nobody reads a self-check as a staff member's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Staff,
    Applicant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Applicant => "applicant",
        }
    }
}

/// `staff` or `applicant` (`export --role`).
impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s.to_ascii_lowercase().as_str() {
            "staff" => Ok(Role::Staff),
            "applicant" => Ok(Role::Applicant),
            _ => Err(format!("unknown role '{s}' (use applicant or staff)")),
        }
    }
}

/// One rule a person confirmed or overrode, as recorded in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    pub rule: RuleId,
    /// The rule's status before the person confirmed it.
    pub status: Status,
    pub by: String,
    /// Staff or the applicant (summaries written before this field are staff's).
    #[serde(default)]
    pub role: Role,
    /// RFC 3339, local time.
    pub at: String,
    pub reason: Option<String>,
}

/// Permission to export one judged photo (only [`release`] makes one).
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    overall: Overall,
    confirmations: Vec<Confirmation>,
}

impl Release {
    /// The photo's outcome as judged (before any confirmation).
    pub fn overall(&self) -> Overall {
        self.overall
    }
    pub fn confirmations(&self) -> &[Confirmation] {
        &self.confirmations
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReleaseError {
    #[error("not exported: {} must be confirmed by a person ({})", list(.rules), if *.overall == Overall::Fail { "the photo fails" } else { "the photo needs a person" })]
    Unconfirmed { rules: Vec<RuleId>, overall: Overall },
    #[error("not exported: a confirmation needs the name of the person who gives it")]
    NoOperator,
    #[error("not exported: overriding a failed rule ({}) needs a written reason", list(.0))]
    ReasonRequired(Vec<RuleId>),
    #[error("not exported: this studio does not allow overriding failed rules ({})", list(.0))]
    OverrideForbidden(Vec<RuleId>),
}

fn list(rules: &[RuleId]) -> String {
    rules.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

/// The rules a person must confirm before this photo may be exported.
pub fn to_confirm(verdicts: &[Verdict]) -> Vec<&Verdict> {
    verdicts.iter().filter(|v| !v.status.is_ok()).collect()
}

/// Let the photo out, or say exactly what is missing. `now` is the time stamp for the record.
pub fn release(verdicts: &[Verdict], confirm: &Confirm, policy: &Policy, now: &str) -> Result<Release, ReleaseError> {
    let overall = Overall::of(verdicts);
    let open = to_confirm(verdicts);
    let missing: Vec<RuleId> = open.iter().map(|v| v.rule).filter(|r| !confirm.rules.contains(r)).collect();
    if !missing.is_empty() {
        return Err(ReleaseError::Unconfirmed { rules: missing, overall });
    }
    if open.is_empty() {
        return Ok(Release { overall, confirmations: Vec::new() });
    }
    let by = confirm.by.as_deref().map(str::trim).filter(|s| !s.is_empty()).ok_or(ReleaseError::NoOperator)?;
    let reason = confirm.reason.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let failed: Vec<RuleId> = open.iter().filter(|v| v.status == Status::Fail).map(|v| v.rule).collect();
    if !failed.is_empty() && !policy.allow_fail_override {
        return Err(ReleaseError::OverrideForbidden(failed));
    }
    if !failed.is_empty() && policy.reason_for_fail && reason.is_none() {
        return Err(ReleaseError::ReasonRequired(failed));
    }
    let confirmations = open
        .iter()
        .map(|v| Confirmation {
            rule: v.rule,
            status: v.status,
            by: by.to_string(),
            role: confirm.role,
            at: now.to_string(),
            // The reason is why a failure is overridden: a rule a person only looked at
            // (jewellery, the clothing) is recorded without it.
            reason: reason.filter(|_| v.status == Status::Fail).map(String::from),
        })
        .collect();
    Ok(Release { overall, confirmations })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{Reason, Unit};

    fn v(rule: RuleId, status: Status) -> Verdict {
        Verdict {
            rule,
            status,
            reason: Reason::InBand,
            value: None,
            min: None,
            max: None,
            warn_min: None,
            warn_max: None,
            unit: Unit::Px,
            edges: vec![],
            detail: None,
            measure: None,
        }
    }

    const NOW: &str = "2026-12-03T10:00:00+08:00";

    #[test]
    fn a_passing_photo_goes_out_without_anyone() {
        let r = release(
            &[v(RuleId::Roll, Status::Pass), v(RuleId::Yaw, Status::Warn)],
            &Confirm::default(),
            &Policy::default(),
            NOW,
        )
        .unwrap();
        assert_eq!(r.overall(), Overall::Pass);
        assert!(r.confirmations().is_empty());
    }

    #[test]
    fn unmeasured_and_failed_rules_must_each_be_confirmed_by_name() {
        let vs =
            [v(RuleId::Roll, Status::Pass), v(RuleId::MouthClosed, Status::NotChecked), v(RuleId::Yaw, Status::Fail)];
        let none = release(&vs, &Confirm::default(), &Policy::default(), NOW).unwrap_err();
        assert_eq!(
            none,
            ReleaseError::Unconfirmed { rules: vec![RuleId::MouthClosed, RuleId::Yaw], overall: Overall::Fail }
        );
        let some =
            Confirm { rules: vec![RuleId::MouthClosed], by: Some("Li".into()), reason: None, ..Default::default() };
        assert!(matches!(release(&vs, &some, &Policy::default(), NOW), Err(ReleaseError::Unconfirmed { .. })));
        let nobody = Confirm {
            rules: vec![RuleId::MouthClosed, RuleId::Yaw],
            by: Some("  ".into()),
            reason: None,
            ..Default::default()
        };
        assert_eq!(release(&vs, &nobody, &Policy::default(), NOW).unwrap_err(), ReleaseError::NoOperator);
        let no_reason = Confirm { by: Some("Li".into()), ..nobody.clone() };
        assert_eq!(
            release(&vs, &no_reason, &Policy::default(), NOW).unwrap_err(),
            ReleaseError::ReasonRequired(vec![RuleId::Yaw])
        );
        let ok = Confirm { reason: Some("turned for medical reasons".into()), ..no_reason };
        let r = release(&vs, &ok, &Policy::default(), NOW).unwrap();
        assert_eq!(r.overall(), Overall::Fail);
        assert_eq!(r.confirmations().len(), 2);
        assert_eq!(r.confirmations()[1].status, Status::Fail);
        assert_eq!(r.confirmations()[1].by, "Li");
        // The reason goes with the failure it overrides, not with the rule only looked at.
        assert_eq!(r.confirmations()[1].reason.as_deref(), Some("turned for medical reasons"));
        assert_eq!(r.confirmations()[0].reason, None);
        let strict = Policy { allow_fail_override: false, ..Policy::default() };
        assert_eq!(release(&vs, &ok, &strict, NOW).unwrap_err(), ReleaseError::OverrideForbidden(vec![RuleId::Yaw]));
    }

    #[test]
    fn a_needs_person_photo_needs_no_reason() {
        let vs = [v(RuleId::BackgroundUniformity, Status::NeedsPerson)];
        let c = Confirm {
            rules: vec![RuleId::BackgroundUniformity],
            by: Some("Wang".into()),
            reason: None,
            ..Default::default()
        };
        let r = release(&vs, &c, &Policy::default(), NOW).unwrap();
        assert_eq!(r.overall(), Overall::NeedsPerson);
        assert_eq!(r.confirmations()[0].reason, None);
    }
}
