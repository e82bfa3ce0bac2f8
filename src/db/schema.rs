//! The tables, kept by hand in step with both migration folders. Portable types only.

diesel::table! {
    accounts (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        language -> Text,
        display_name -> Text,
        email_verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kvk_number -> Nullable<Text>,
        city -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        kind -> Text,
    }
}

diesel::table! {
    organisation_members (organisation_id, account_id) {
        organisation_id -> Text,
        account_id -> Text,
        role -> Text,
        created_at -> Timestamp,
        deactivated_at -> Nullable<Timestamp>,
        digest_week -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        account_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_tokens (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        lease_id -> Nullable<Text>,
    }
}

diesel::table! {
    vacancy_changes (seq) {
        seq -> BigInt,
        vacancy_id -> Text,
        changed_at -> Timestamp,
    }
}

diesel::joinable!(organisation_members -> organisations (organisation_id));
diesel::joinable!(organisation_members -> accounts (account_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(email_tokens -> accounts (account_id));

diesel::table! {
    youth_profiles (account_id) {
        account_id -> Text,
        first_name -> Text,
        last_name -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        place_name -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        search_radius_km -> Integer,
        education_level -> Nullable<Text>,
        hours_min -> Nullable<Integer>,
        hours_max -> Nullable<Integer>,
        available_from -> Nullable<Date>,
        kinds -> Integer,
        driving_licence -> Bool,
        languages -> Text,
        interests -> Text,
        about -> Nullable<Text>,
        pitch -> Nullable<Text>,
        status -> Text,
        competences -> Text,
        competence_mask -> BigInt,
        generated_text -> Nullable<Text>,
        generated_at -> Nullable<Timestamp>,
        edited_text -> Nullable<Text>,
        edited_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        changed_by_coach -> Nullable<Text>,
        changed_by_coach_at -> Nullable<Timestamp>,
        last_active_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    youth_sensitive (account_id) {
        account_id -> Text,
        benefit -> Nullable<Text>,
        work_limitation -> Nullable<Bool>,
        participation_step -> Nullable<Integer>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(youth_profiles -> accounts (account_id));
diesel::joinable!(youth_sensitive -> accounts (account_id));

diesel::table! {
    vacancies (id) {
        id -> Text,
        organisation_id -> Text,
        created_by -> Nullable<Text>,
        title -> Text,
        description -> Text,
        occupation -> Text,
        competences -> Text,
        competence_mask -> BigInt,
        kind -> Integer,
        hours_min -> Integer,
        hours_max -> Integer,
        positions -> Integer,
        place_name -> Text,
        latitude -> Double,
        longitude -> Double,
        max_distance_km -> Nullable<Integer>,
        min_education -> Nullable<Text>,
        start_date -> Nullable<Date>,
        valid_days -> Integer,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        reminder_sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        posted_by_organisation -> Nullable<Text>,
    }
}

diesel::table! {
    organisation_invitations (token_hash) {
        token_hash -> Text,
        organisation_id -> Text,
        email -> Text,
        invited_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        role -> Text,
    }
}

diesel::joinable!(vacancies -> organisations (organisation_id));
diesel::joinable!(organisation_invitations -> organisations (organisation_id));

diesel::table! {
    swipes (youth_id, vacancy_id) {
        youth_id -> Text,
        vacancy_id -> Text,
        youth_decision -> Nullable<Text>,
        youth_decided_at -> Nullable<Timestamp>,
        employer_decision -> Nullable<Text>,
        employer_decided_at -> Nullable<Timestamp>,
        employer_decided_by -> Nullable<Text>,
        created_at -> Timestamp,
        youth_decided_by -> Nullable<Text>,
    }
}

// A youth's likes and passes per week (its Monday), kept by triggers on `swipes`.
diesel::table! {
    swipe_weeks (youth_id, week) {
        youth_id -> Text,
        week -> Date,
        likes -> Integer,
        passes -> Integer,
    }
}

diesel::table! {
    matches (id) {
        id -> Text,
        youth_id -> Text,
        vacancy_id -> Text,
        organisation_id -> Text,
        employer_contact_id -> Nullable<Text>,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        ended_by -> Nullable<Text>,
        youth_notified_at -> Nullable<Timestamp>,
        employer_notified_at -> Nullable<Timestamp>,
        introduction_id -> Nullable<Text>,
    }
}

diesel::table! {
    messages (id) {
        id -> Text,
        match_id -> Text,
        sender_id -> Nullable<Text>,
        from_youth -> Bool,
        body -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        sender_role -> Nullable<Text>,
    }
}

diesel::joinable!(swipes -> vacancies (vacancy_id));
diesel::joinable!(matches -> vacancies (vacancy_id));
diesel::joinable!(messages -> matches (match_id));

diesel::table! {
    consents (id) {
        id -> Text,
        organisation_id -> Text,
        coach_id -> Nullable<Text>,
        youth_id -> Nullable<Text>,
        status -> Text,
        scopes -> Integer,
        via -> Text,
        secret_hash -> Nullable<Text>,
        invited_email -> Nullable<Text>,
        invited_at -> Timestamp,
        invitation_expires_at -> Timestamp,
        claimed_at -> Nullable<Timestamp>,
        given_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        follow_up_on -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    consent_events (id) {
        id -> Text,
        consent_id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        change -> Text,
        scopes -> Integer,
        coach_id -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        organisation_id -> Nullable<Text>,
        organisation_kind -> Nullable<Text>,
        subject_id -> Text,
        action -> Text,
        object -> Nullable<Text>,
        purpose -> Text,
        on_behalf -> Bool,
        request_id -> Text,
    }
}

diesel::table! {
    handovers (id) {
        id -> Text,
        consent_id -> Text,
        from_coach -> Nullable<Text>,
        to_coach -> Text,
        asked_by -> Nullable<Text>,
        reason -> Text,
        status -> Text,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    coach_notes (id) {
        id -> Text,
        organisation_id -> Text,
        youth_id -> Text,
        author_id -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    card_views (youth_id) {
        youth_id -> Text,
        shown -> BigInt,
    }
}

diesel::joinable!(consents -> organisations (organisation_id));
diesel::joinable!(consent_events -> consents (consent_id));
diesel::joinable!(handovers -> consents (consent_id));

diesel::table! {
    client_relations (id) {
        id -> Text,
        intermediary_id -> Text,
        employer_id -> Text,
        status -> Text,
        may_swipe -> Bool,
        proposed_by -> Nullable<Text>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        ended_by -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    client_activity (id) {
        id -> Text,
        relation_id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        object -> Nullable<Text>,
    }
}

diesel::table! {
    introductions (id) {
        id -> Text,
        vacancy_id -> Text,
        youth_id -> Text,
        organisation_id -> Text,
        coach_id -> Nullable<Text>,
        note -> Text,
        status -> Text,
        outcome -> Nullable<Text>,
        created_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        outcome_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    placements (id) {
        id -> Text,
        youth_id -> Text,
        kind -> Text,
        organisation_name -> Text,
        employer_id -> Nullable<Text>,
        intermediary_id -> Nullable<Text>,
        coach_id -> Nullable<Text>,
        match_id -> Nullable<Text>,
        introduction_id -> Nullable<Text>,
        start_date -> Date,
        end_date -> Nullable<Date>,
        hours_per_week -> Nullable<Integer>,
        contract -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        recorded_as -> Text,
        youth_confirmed_at -> Nullable<Timestamp>,
        employer_confirmed_at -> Nullable<Timestamp>,
        coach_confirmed_at -> Nullable<Timestamp>,
        status -> Text,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        reopened_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    placement_follow_ups (placement_id, week) {
        placement_id -> Text,
        week -> Integer,
        due_on -> Date,
        coach_id -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        answered_by -> Nullable<Text>,
        progress -> Nullable<Text>,
        reason -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

// The marks a checked candidate page is served again against (`matching::feed::checked`).
diesel::table! {
    candidate_versions (vacancy_id) {
        vacancy_id -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    card_clock (id) {
        id -> Integer,
        seq -> BigInt,
    }
}

diesel::table! {
    card_changes (seq) {
        seq -> BigInt,
        youth_id -> Text,
        changed_at -> Timestamp,
    }
}

diesel::joinable!(candidate_versions -> vacancies (vacancy_id));
diesel::joinable!(placement_follow_ups -> placements (placement_id));
diesel::joinable!(client_activity -> client_relations (relation_id));
diesel::joinable!(introductions -> vacancies (vacancy_id));

diesel::allow_tables_to_appear_in_same_query!(
    placements,
    placement_follow_ups,
    client_relations,
    client_activity,
    introductions,
    consents,
    consent_events,
    audit_log,
    coach_notes,
    card_views,
    handovers,
    accounts,
    organisations,
    organisation_members,
    sessions,
    refresh_tokens,
    email_tokens,
    outbox,
    youth_profiles,
    youth_sensitive,
    vacancies,
    organisation_invitations,
    swipes,
    matches,
    messages,
    candidate_versions,
    card_clock,
    card_changes,
);
