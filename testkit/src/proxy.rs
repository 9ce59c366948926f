//! A TCP proxy that a test controls, to put a store behind a fault:
//! [`Mode::Forward`] passes bytes both ways, [`Mode::BlackHole`] accepts
//! connections and holds every byte (a store that hangs: nothing is
//! answered, nothing is refused), [`Mode::Refuse`] closes the open
//! connections and stops listening (connections are refused).
//!
//! Switching back to `Forward` resumes held connections and listens again
//! on the same port, so a client that recovers by itself can be seen doing
//! so.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with connections and bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Forward,
    BlackHole,
    Refuse,
}

/// A proxy to one target, listening on `127.0.0.1` (stopped when dropped).
pub struct Proxy {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Proxy `target` (forwarding), on a free port of `127.0.0.1`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (mode, rx) = watch::channel(Mode::Forward);
        let task = tokio::spawn(accept_loop(listener, addr, target, rx));
        Proxy { addr, mode, task }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    pub fn mode(&self) -> Mode {
        *self.mode.borrow()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.mode.send_replace(Mode::Refuse);
        self.task.abort();
    }
}

/// `host:port` of a URL such as `mysql://u@127.0.0.1:3306/db` or
/// `http://127.0.0.1:19530`, resolved.
pub fn url_addr(url: &str) -> SocketAddr {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let hostport = rest.split(['/', '?']).next().unwrap_or(rest);
    let hostport = hostport.replace("localhost", "127.0.0.1");
    hostport
        .parse()
        .unwrap_or_else(|e| panic!("{url}: no host:port ({e})"))
}

/// `url` with its `host:port` replaced by `addr`.
pub fn redirect_url(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (user, rest) = match rest.rsplit_once('@') {
        Some((u, r)) => (format!("{u}@"), r),
        None => (String::new(), rest),
    };
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let tail = &rest[cut..];
    if scheme.is_empty() {
        format!("{user}{addr}{tail}")
    } else {
        format!("{scheme}://{user}{addr}{tail}")
    }
}

async fn accept_loop(
    mut listener: TcpListener,
    addr: SocketAddr,
    target: SocketAddr,
    mut rx: watch::Receiver<Mode>,
) {
    loop {
        if *rx.borrow_and_update() == Mode::Refuse {
            drop(listener);
            while *rx.borrow_and_update() == Mode::Refuse {
                if rx.changed().await.is_err() {
                    return;
                }
            }
            listener = loop {
                match TcpListener::bind(addr).await {
                    Ok(l) => break l,
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            };
        }
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((client, _)) = accepted {
                    tokio::spawn(connection(client, target, rx.clone()));
                }
            }
            changed = rx.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// Wait until the mode is `Forward` (true) or `Refuse` (false).
async fn until_open(rx: &mut watch::Receiver<Mode>) -> bool {
    loop {
        match *rx.borrow_and_update() {
            Mode::Forward => return true,
            Mode::Refuse => return false,
            Mode::BlackHole => {}
        }
        if rx.changed().await.is_err() {
            return false;
        }
    }
}

async fn connection(client: TcpStream, target: SocketAddr, mut rx: watch::Receiver<Mode>) {
    if !until_open(&mut rx).await {
        return;
    }
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let up = tokio::spawn(pipe(cr, sw, rx.clone()));
    let down = tokio::spawn(pipe(sr, cw, rx));
    let _ = tokio::join!(up, down);
}

/// Copy `r` to `w` while forwarding; hold bytes in a black hole; stop on
/// refuse (closing both halves).
async fn pipe(
    mut r: tokio::net::tcp::OwnedReadHalf,
    mut w: tokio::net::tcp::OwnedWriteHalf,
    mut rx: watch::Receiver<Mode>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if !until_open(&mut rx).await {
            return;
        }
        tokio::select! {
            n = r.read(&mut buf) => {
                let n = match n {
                    Ok(0) | Err(_) => {
                        let _ = w.shutdown().await;
                        return;
                    }
                    Ok(n) => n,
                };
                if !until_open(&mut rx).await {
                    return;
                }
                if w.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
            changed = rx.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn echo_server() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = s.read(&mut buf).await {
                        if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    async fn echo(s: &mut TcpStream, msg: &[u8]) -> std::io::Result<Vec<u8>> {
        s.write_all(msg).await?;
        let mut buf = vec![0u8; msg.len()];
        s.read_exact(&mut buf).await?;
        Ok(buf)
    }

    #[tokio::test]
    async fn forwards_holds_and_refuses() {
        let proxy = Proxy::start(echo_server().await).await;
        let mut s = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(echo(&mut s, b"one").await.unwrap(), b"one");

        // Black hole: the bytes are held, nothing comes back.
        proxy.set(Mode::BlackHole);
        let held = tokio::time::timeout(Duration::from_millis(300), echo(&mut s, b"two")).await;
        assert!(held.is_err(), "a black hole answered");
        // New connections are accepted but answered by nothing either.
        let mut s2 = TcpStream::connect(proxy.addr()).await.unwrap();
        let held = tokio::time::timeout(Duration::from_millis(300), echo(&mut s2, b"x")).await;
        assert!(held.is_err(), "a black hole answered a new connection");

        // Forward again: what was held arrives.
        proxy.set(Mode::Forward);
        let mut buf = [0u8; 3];
        s.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"two");
        assert_eq!(echo(&mut s, b"three").await.unwrap(), b"three");

        // Refuse: open connections are closed, new ones refused.
        proxy.set(Mode::Refuse);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut buf = [0u8; 1];
        assert!(matches!(s.read(&mut buf).await, Ok(0) | Err(_)));
        let e = TcpStream::connect(proxy.addr()).await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);

        // And back.
        proxy.set(Mode::Forward);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut s = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(echo(&mut s, b"four").await.unwrap(), b"four");
    }

    #[test]
    fn urls() {
        assert_eq!(
            url_addr("mysql://root@127.0.0.1:3306/test"),
            "127.0.0.1:3306".parse().unwrap()
        );
        assert_eq!(
            url_addr("http://localhost:19530"),
            "127.0.0.1:19530".parse().unwrap()
        );
        let a: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(
            redirect_url("mysql://u:p@127.0.0.1:3306/db?x=1", a),
            "mysql://u:p@127.0.0.1:9/db?x=1"
        );
        assert_eq!(
            redirect_url("milvus://127.0.0.1:19530", a),
            "milvus://127.0.0.1:9"
        );
    }
}
