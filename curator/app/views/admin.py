"""Admin page: user management, file upload into import, and export offered for download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from curator.app import deps
from curator.app.chat import plain
from curator.app.notices import show_error
from curator.errors import CuratorError
from curator.formats import FORMATS
from curator.models import User, UserRole
from curator.services import admin as admin_service
from curator.services import users as users_service
from curator.services.database import Store

TITLE = "Admin"
ICON = ":material/admin_panel_settings:"
MIN_ROLE = UserRole.ADMIN
ROLES = [r.value for r in UserRole]


def _users(store: Store, admin: User) -> None:
    people = users_service.list_users(store)
    st.dataframe(
        pd.DataFrame([{"name": u.name, "role": u.role.value, "active": u.active} for u in people], columns=["name", "role", "active"]),
        hide_index=True, key="admin_users_table",
    )
    left, right = st.columns(2)
    with left, st.form("admin_add_user", clear_on_submit=True):
        st.markdown("**Add a user**")
        name = st.text_input("Name", key="admin_new_name")
        role = st.selectbox("Role", ROLES, key="admin_new_role")
        password = st.text_input("Password", type="password", key="admin_new_password")
        if st.form_submit_button("Add user", key="admin_add_submit"):
            try:
                user = admin_service.add_user(store, admin, name, role, password)
            except CuratorError as exc:
                show_error(exc)
            else:
                st.success(plain(f"Added {user.name} ({user.role.value})"))
    with right, st.form("admin_change_user"):
        st.markdown("**Change a user**")
        who = st.selectbox("User", [u.name for u in people], key="admin_edit_name")
        new_role = st.selectbox("Role", ["(keep)", *ROLES], key="admin_edit_role")
        status = st.radio("Status", ["(keep)", "active", "deactivated"], horizontal=True, key="admin_edit_active")
        new_password = st.text_input("New password (leave empty to keep)", type="password", key="admin_edit_password")
        if st.form_submit_button("Save changes", key="admin_edit_submit"):
            try:
                user = admin_service.change_user(
                    store, admin, who,
                    role=None if new_role == "(keep)" else new_role,
                    active=None if status == "(keep)" else status == "active",
                    password=new_password or None,
                )
            except CuratorError as exc:
                show_error(exc)
            else:
                state = "active" if user.active else "deactivated"
                st.success(plain(f"{user.name}: {user.role.value}, {state}" + (", password reset" if new_password else "")))


def show_upload_result(result: admin_service.UploadResult) -> None:
    """The same summary `curator import` prints, and the problems the import quarantined."""
    s = result.summary
    st.success(plain(f"{s.source}: {s.records:,} records → {s.examples:,} new examples, "
                     f"{s.duplicates:,} duplicates, {s.problems:,} problems, {s.flags:,} guideline flags "
                     f"(format {s.format})"))
    st.json(s.as_dict(), expanded=False)
    if result.problems:
        st.markdown(f"**Problems** (first {len(result.problems)}; `curator problems` lists all)")
        st.dataframe(
            pd.DataFrame([{"line": p.line, "code": p.code, "field": p.field, "message": p.message} for p in result.problems]),
            hide_index=True, key="admin_upload_problems",
        )


def handle_upload(store: Store, admin: User, file_name: str, data: bytes, *, format: str, source: str) -> None:
    """Import one uploaded file and show what happened (also called by tests)."""
    try:
        result = admin_service.import_upload(store, admin, file_name, data, format=format, source=source)
    except CuratorError as exc:
        show_error(exc)
        return
    show_upload_result(result)


def _upload(store: Store, admin: User) -> None:
    uploaded = st.file_uploader("File to import (JSONL, JSON, CSV, Parquet...)", key="admin_upload_file")
    fmt = st.selectbox("Format", ["auto", *FORMATS], key="admin_upload_format")
    source = st.text_input("Source name (default: the file name)", key="admin_upload_source")
    if st.button("Import", key="admin_upload_go", disabled=uploaded is None) and uploaded is not None:
        with st.spinner("Importing..."):
            handle_upload(store, admin, uploaded.name, uploaded.getvalue(), format=fmt, source=source)


def _export(store: Store, admin: User) -> None:
    known = list(admin_service.export_formats())
    formats = st.multiselect("Formats", known, default=known[:1], key="admin_export_formats")
    test_size = st.number_input("Test split (fraction)", min_value=0.0, max_value=0.9, value=0.1, step=0.05, key="admin_export_test")
    seed = int(st.number_input("Seed", min_value=0, value=0, step=1, key="admin_export_seed"))
    if st.button("Export", key="admin_export_go", type="primary", disabled=not formats):
        try:
            with st.spinner("Exporting..."):
                bundle = admin_service.export_zip(store, admin, formats=formats, test_size=test_size, seed=seed)
        except CuratorError as exc:
            show_error(exc)
            return
        st.success(f"Exported {len(bundle.files)} files")
        st.download_button(
            "Download export (zip)", bundle.zip_bytes, file_name="curator-export.zip",
            mime="application/zip", key="admin_export_download", on_click="ignore",
        )
        st.json(bundle.manifest, expanded=False)


def render() -> None:
    """The admin page; every action is re-checked by its service."""
    admin = deps.require_role(MIN_ROLE)
    store = deps.get_store()
    st.title(TITLE)
    users_tab, import_tab, export_tab = st.tabs(["Users", "Import", "Export"])
    with users_tab:
        _users(store, admin)
    with import_tab:
        _upload(store, admin)
    with export_tab:
        _export(store, admin)
