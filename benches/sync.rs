fn main() {
    println!("bench sync: not written yet");
}
