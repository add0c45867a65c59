//! Integration tests: `serve --listen PATH` for Unix sockets. The real binary is pointed at a path;
//! only an old socket there may be replaced, anything else is refused and left as it was.

use crate::common;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn serve(db: &Path, listen: &Path) -> Command {
    let mut cmd = Command::new(common::bin());
    cmd.arg("serve")
        .arg("--listen")
        .arg(listen)
        .env("FASTINTERCOM_DB", db)
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .env_remove("LISTEN_FDS")
        .env_remove("LISTEN_PID")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("JOURNAL_STREAM")
        .stdin(Stdio::null());
    cmd
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Run `cmd` expecting it to exit by itself within 20 s (a server that started listening is killed and
/// the test fails, rather than hanging).
fn exits(mut cmd: Command) -> std::process::Output {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            stop(child);
            panic!("the server started instead of refusing the path");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn listen_on_a_regular_file_is_refused_and_the_file_survives() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fi.db");
    // The classic typo: --listen pointed at the database itself.
    let content = b"SQLite format 3\0 precious bytes".to_vec();
    std::fs::write(&db, &content).unwrap();
    let out = exits(serve(&db, &db));
    assert!(!out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&db.display().to_string()) && stderr.contains("regular file"),
        "the error names the path and what it is: {stderr}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), content, "the file is untouched");

    // A directory is refused too.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let out = exits(serve(&db, &sub));
    assert!(!out.status.success());
    assert!(sub.is_dir());
}

#[test]
fn an_old_socket_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fi.db");
    let sock = dir.path().join("mcp.sock");
    // A socket left behind by a server that died without cleaning up.
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    assert!(std::fs::metadata(&sock).unwrap().file_type().is_socket());
    let child = serve(&db, &sock)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if std::os::unix::net::UnixStream::connect(&sock).is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "the server never listened on {sock:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    stop(child);
}
